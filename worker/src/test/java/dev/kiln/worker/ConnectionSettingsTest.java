package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.worker.ConnectionSettings.Flags;
import io.grpc.Metadata;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection options for a production cluster, resolved through the SDK's environment configuration (TOML profile,
 * then TEMPORAL_* variables, then flags) and applied to the SDK's service-stub and client options.
 */
class ConnectionSettingsTest {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  @TempDir Path dir;
  private Path config;

  @BeforeEach
  void writeConfigFile() throws Exception {
    config = dir.resolve("temporal.toml");
    Files.writeString(config, """
        [profile.default]
        address = "file.example:7233"
        namespace = "research"

        [profile.cloud]
        address = "acct.tmprl.cloud:7233"
        namespace = "kiln.acct"
        api_key = "profile-key"
        """);
  }

  @Test
  void flagsWinOverTheEnvironmentWhichWinsOverTheConfigFileWhichWinsOverDefaults() {
    Map<String, String> fileOnly = Map.of("TEMPORAL_CONFIG_FILE", config.toString());
    ConnectionSettings fromFile = ConnectionSettings.resolve(fileOnly, Flags.none());
    assertEquals("file.example:7233", fromFile.address());
    assertEquals("research", fromFile.namespace());
    assertFalse(fromFile.usesTls());
    assertEquals("research", fromFile.clientOptions().getNamespace(), "the namespace reaches the client");

    ConnectionSettings fromEnv = ConnectionSettings.resolve(
        Map.of("TEMPORAL_CONFIG_FILE", config.toString(), "TEMPORAL_ADDRESS", "env.example:7233"), Flags.none());
    assertEquals("env.example:7233", fromEnv.address());
    assertEquals("research", fromEnv.namespace(), "what the environment does not set still comes from the file");

    ConnectionSettings fromFlags = ConnectionSettings.resolve(Map.of("TEMPORAL_ADDRESS", "env.example:7233"),
        new Flags(null, config, "flag.example:7233", "prod", null, null, null, null, null, null));
    assertEquals("flag.example:7233", fromFlags.address());
    assertEquals("prod", fromFlags.namespace());
    assertEquals("flag.example:7233", fromFlags.stubsOptions(null).getTarget());

    ConnectionSettings defaults = ConnectionSettings.resolve(Map.of("TEMPORAL_CONFIG_FILE", dir.resolve("absent.toml").toString()), Flags.none());
    assertEquals("127.0.0.1:7233", defaults.address());
    assertEquals("default", defaults.namespace());
  }

  @Test
  void aProfileWithAnApiKeyTurnsOnTlsAndSendsTheKeyAsABearerToken() {
    ConnectionSettings cloud = ConnectionSettings.resolve(
        Map.of("TEMPORAL_CONFIG_FILE", config.toString(), "TEMPORAL_PROFILE", "cloud"), Flags.none());
    assertEquals("acct.tmprl.cloud:7233", cloud.address());
    assertTrue(cloud.usesTls());
    WorkflowServiceStubsOptions options = cloud.stubsOptions(null);
    assertTrue(options.getEnableHttps() || options.getSslContext() != null, "TLS is on");
    assertEquals("Bearer profile-key", header(options, AUTHORIZATION));
    assertFalse(cloud.toString().contains("profile-key"), "the key is never printed");

    ConnectionSettings flagKey = ConnectionSettings.resolve(Map.of("TEMPORAL_API_KEY", "env-key"),
        new Flags("cloud", config, null, null, null, null, null, null, null, "flag-key"));
    assertEquals("Bearer flag-key", header(flagKey.stubsOptions(null), AUTHORIZATION));
  }

  @Test
  void aClientCertificateFromFlagsOrEnvironmentGivesMutualTls() throws Exception {
    Path cert = dir.resolve("client.pem");
    Path key = dir.resolve("client.key");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=kiln-test", "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
    openssl.getInputStream().readAllBytes();
    assertEquals(0, openssl.waitFor());

    ConnectionSettings flags = ConnectionSettings.resolve(Map.of(),
        new Flags(null, null, "cluster:7233", null, null, cert, key, cert, "cluster.internal", null));
    assertTrue(flags.usesTls());
    assertNotNull(flags.stubsOptions(null).getSslContext());
    assertNotNull(flags.stubsOptions(null).getChannelInitializer(), "--tls-server-name overrides the authority");

    ConnectionSettings env = ConnectionSettings.resolve(Map.of("TEMPORAL_ADDRESS", "cluster:7233",
        "TEMPORAL_TLS_CLIENT_CERT_PATH", cert.toString(), "TEMPORAL_TLS_CLIENT_KEY_PATH", key.toString()), Flags.none());
    assertTrue(env.usesTls());
    assertNotNull(env.stubsOptions(null).getSslContext());

    ConnectionSettings off = ConnectionSettings.resolve(Map.of("TEMPORAL_TLS", "true"),
        new Flags(null, null, null, null, false, null, null, null, null, null));
    assertFalse(off.usesTls(), "--tls=false wins over TEMPORAL_TLS");
    assertNull(off.stubsOptions(null).getSslContext());
  }

  @Test
  void badInputNamesWhatIsWrongAndTheFix() {
    IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> ConnectionSettings.resolve(
        Map.of(), new Flags(null, null, null, null, null, dir.resolve("c.pem"), null, null, null, null)));
    assertTrue(half.getMessage().contains("--tls-cert-path and --tls-key-path"), half.getMessage());

    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> ConnectionSettings.resolve(
        Map.of("TEMPORAL_TLS_CLIENT_CERT_PATH", dir.resolve("c.pem").toString(),
            "TEMPORAL_TLS_CLIENT_KEY_PATH", dir.resolve("c.key").toString()), Flags.none()));
    assertTrue(missing.getMessage().contains("c.pem does not exist"), missing.getMessage());

    IllegalArgumentException noFile = assertThrows(IllegalArgumentException.class, () -> ConnectionSettings.resolve(
        Map.of(), new Flags(null, dir.resolve("nope.toml"), null, null, null, null, null, null, null, null)));
    assertTrue(noFile.getMessage().contains("--config-file") && noFile.getMessage().contains("nope.toml"), noFile.getMessage());

    IllegalArgumentException noProfile = assertThrows(IllegalArgumentException.class, () -> ConnectionSettings.resolve(
        Map.of(), new Flags("staging", config, null, null, null, null, null, null, null, null)));
    assertTrue(noProfile.getMessage().contains("staging"), noProfile.getMessage());
  }

  private static String header(WorkflowServiceStubsOptions options, Metadata.Key<String> key) {
    Metadata headers = new Metadata();
    options.getGrpcMetadataProviders().forEach(p -> headers.merge(p.getMetadata()));
    return headers.get(key);
  }
}
