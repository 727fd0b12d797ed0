package dev.kiln.activities.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The environment is read as huggingface_hub reads it, so both tools share a cache, a token and a mirror. */
class HfHubSettingsTest {
  @TempDir Path home;

  @Test
  void defaultsAreTheHubAndTheCacheUnderTheHome() {
    HfHubSettings s = HfHubSettings.fromEnvironment(Map.of(), home);
    assertEquals(URI.create("https://huggingface.co"), s.endpoint());
    assertEquals(home.resolve(".cache/huggingface/hub"), s.cacheDir());
    assertEquals(Optional.empty(), s.token());
    assertFalse(s.offline());
    assertEquals(Duration.ofSeconds(10), s.timeout());
  }

  @Test
  void theCacheFollowsHfHubCacheThenHfHomeThenXdg() {
    assertEquals(Path.of("/x/hub"), HfHubSettings.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x2",
        "HF_HOME", "/x"), home).cacheDir());
    assertEquals(Path.of("/x2/huggingface/hub"), HfHubSettings.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x2"),
        home).cacheDir());
    assertEquals(Path.of("/c"), HfHubSettings.fromEnvironment(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/x",
        "HUGGINGFACE_HUB_CACHE", "/legacy"), home).cacheDir());
    assertEquals(Path.of("/legacy"), HfHubSettings.fromEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/legacy"),
        home).cacheDir());
    assertEquals(home.resolve("hf/hub"), HfHubSettings.fromEnvironment(Map.of("HF_HOME", "~/hf"), home).cacheDir());
  }

  @Test
  void theTokenIsHfTokenThenTheTokenFileUnderHfHome() throws IOException {
    Path hfHome = home.resolve("hf");
    Files.createDirectories(hfHome);
    Files.writeString(hfHome.resolve("token"), "hf_from_file\n");
    assertEquals(Optional.of("hf_from_file"),
        HfHubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString()), home).token());
    assertEquals(Optional.of("hf_env"),
        HfHubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString(), "HF_TOKEN", " hf_env "), home).token());
    assertEquals(Optional.of("hf_legacy"), HfHubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString(),
        "HUGGING_FACE_HUB_TOKEN", "hf_legacy"), home).token());
    Path other = home.resolve("elsewhere");
    Files.writeString(other, "hf_path");
    assertEquals(Optional.of("hf_path"),
        HfHubSettings.fromEnvironment(Map.of("HF_TOKEN_PATH", other.toString()), home).token());
    assertEquals(Optional.empty(), HfHubSettings.fromEnvironment(Map.of("HF_TOKEN", "  "), home).token());
  }

  @Test
  void theTokenIsNotInTheSettingsText() {
    HfHubSettings s = HfHubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_secret"), home);
    assertFalse(s.toString().contains("hf_secret"), s.toString());
    assertTrue(s.toString().contains("token=(set)"));
  }

  @Test
  void theEndpointLosesItsTrailingSlashAndMustBeHttp() {
    assertEquals(URI.create("http://mirror.local:8080/hf"),
        HfHubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "http://mirror.local:8080/hf/"), home).endpoint());
    HfHubException e = assertThrows(HfHubException.class,
        () -> HfHubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x"), home));
    assertTrue(e.getMessage().contains("HF_ENDPOINT 'ftp://x'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "ON", "yes", "True"})
  void offlineIsAnyOfHuggingfaceHubsTrueValues(String value) {
    assertTrue(HfHubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", value), home).offline());
    assertTrue(HfHubSettings.fromEnvironment(Map.of("TRANSFORMERS_OFFLINE", value), home).offline());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "false", "off", "2"})
  void otherValuesAreOnline(String value) {
    assertFalse(HfHubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", value), home).offline());
  }

  @Test
  void theDownloadTimeoutIsInSeconds() {
    assertEquals(Duration.ofSeconds(30),
        HfHubSettings.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "30"), home).timeout());
    assertThrows(HfHubException.class,
        () -> HfHubSettings.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "soon"), home));
  }
}
