package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connection options for a production cluster: parsed from flags or environment, and applied to the SDK. */
class ConnectionSettingsTest {
  @TempDir Path dir;

  @Test
  void flagsWinOverTheEnvironmentWhichWinsOverDefaults() {
    Map<String, String> env = Map.of("TEMPORAL_ADDRESS", "env.example:7233", "TEMPORAL_NAMESPACE", "research");
    ConnectionSettings fromEnv = ConnectionSettings.resolve(env, null, null, null, null, null, null);
    assertEquals("env.example:7233", fromEnv.address());
    assertEquals("research", fromEnv.namespace());
    assertFalse(fromEnv.usesTls());
    ConnectionSettings fromFlags = ConnectionSettings.resolve(env, "flag.example:7233", "prod", null, null, null, null);
    assertEquals("flag.example:7233", fromFlags.address());
    assertEquals("prod", fromFlags.namespace());
    ConnectionSettings defaults = ConnectionSettings.resolve(Map.of(), null, null, null, null, null, null);
    assertEquals("127.0.0.1:7233", defaults.address());
    assertEquals("default", defaults.namespace());
  }

  @Test
  void anApiKeyTurnsOnTlsAndIsSentAsABearerToken() {
    ConnectionSettings cloud = ConnectionSettings.resolve(
        Map.of("TEMPORAL_API_KEY", "secret-key"), "ns.tmprl.cloud:7233", "ns.acct", null, null, null, null);
    WorkflowServiceStubsOptions options = cloud.stubsOptions(null);
    assertTrue(options.getEnableHttps());
    Metadata headers = new Metadata();
    options.getGrpcMetadataProviders().forEach(p -> headers.merge(p.getMetadata()));
    assertEquals("Bearer secret-key", headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
    assertFalse(cloud.toString().contains("secret-key"), "the key is never printed");
  }

  @Test
  void aClientCertificateGivesMutualTls() throws Exception {
    Path cert = dir.resolve("client.pem");
    Path key = dir.resolve("client.key");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=kiln-test", "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
    openssl.getInputStream().readAllBytes();
    assertEquals(0, openssl.waitFor());
    ConnectionSettings mtls = ConnectionSettings.resolve(Map.of(), "cluster:7233", null, null, cert, key, null);
    assertTrue(mtls.usesTls());
    assertNotNull(mtls.stubsOptions(null).getSslContext());
  }

  @Test
  void halfAClientCertificateOrAMissingFileIsABadInputWithTheFix() {
    IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
        () -> ConnectionSettings.resolve(Map.of(), null, null, null, dir.resolve("c.pem"), null, null));
    assertTrue(half.getMessage().contains("--tls-cert and --tls-key"), half.getMessage());
    ConnectionSettings missing = ConnectionSettings.resolve(Map.of(), null, null, null, dir.resolve("c.pem"), dir.resolve("c.key"), null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> missing.stubsOptions(null));
    assertTrue(e.getMessage().contains("c.pem does not exist"), e.getMessage());
  }
}
