package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kiln.worker.cli.KilnCli;
import dev.kiln.workflows.TaskQueues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The compose file and Kubernetes manifests cannot be run here (no container engine), so their references are
 * checked instead: the image is the one infra/Dockerfile builds, every container's arguments parse as a kiln
 * command, queues exist, environment names are ones Kiln reads, and referenced ConfigMaps are defined.
 */
class DeploymentManifestsTest {
  private static final Path INFRA = Path.of("..", "infra");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Environment variables Kiln, the AWS SDK or libtorch read. */
  private static final Set<String> KNOWN_ENV = Set.of(
      "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "KILN_S3_ENDPOINT", "KILN_BUCKET", "AWS_REGION",
      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE",
      // Worker Versioning (kiln worker --deployment-name / --build-id)
      "TEMPORAL_DEPLOYMENT_NAME", "TEMPORAL_WORKER_BUILD_ID",
      // the Temporal SDK's environment configuration (ConnectionSettings)
      "TEMPORAL_PROFILE", "TEMPORAL_CONFIG_FILE", "TEMPORAL_API_KEY", "TEMPORAL_TLS", "TEMPORAL_TLS_CLIENT_CERT_PATH",
      "TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_CLIENT_CERT_DATA", "TEMPORAL_TLS_CLIENT_KEY_DATA",
      "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME");

  @Test
  void kubernetesContainersRunKilnCommandsOnRealQueuesWithTheBuiltImage() throws IOException {
    String image = "kiln:" + dockerfileVersion("Dockerfile");
    Set<String> configMaps = new HashSet<>();
    Set<String> referencedConfigMaps = new HashSet<>();
    List<String> queues = new ArrayList<>();
    boolean gpuRequested = false;
    for (JsonNode doc : k8sDocuments()) {
      if (doc.path("kind").asText().equals("ConfigMap")) {
        configMaps.add(doc.path("metadata").path("name").asText());
        doc.path("data").fieldNames().forEachRemaining(name -> assertTrue(KNOWN_ENV.contains(name), "unknown env " + name));
        continue;
      }
      for (JsonNode container : doc.path("spec").path("template").path("spec").path("containers")) {
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        // GPU workers run the image of infra/Dockerfile.gpu (libtorch with CUDA), the others infra/Dockerfile's
        String expected = container.path("resources").path("limits").has("nvidia.com/gpu")
            ? "kiln:" + dockerfileVersion("Dockerfile.gpu") + "-gpu" : image;
        assertEquals(expected, container.path("image").asText(), "image of " + doc.path("metadata").path("name"));
        assertParses(args);
        queues.addAll(queuesOf(args));
        container.path("env").forEach(e -> assertTrue(KNOWN_ENV.contains(e.path("name").asText()), e.toString()));
        container.path("envFrom").forEach(e -> {
          if (e.has("configMapRef")) {
            referencedConfigMaps.add(e.path("configMapRef").path("name").asText());
          }
        });
        gpuRequested |= container.path("resources").path("limits").has("nvidia.com/gpu")
            && queuesOf(args).equals(List.of(TaskQueues.GPU));
      }
    }
    assertTrue(configMaps.containsAll(referencedConfigMaps), "referenced " + referencedConfigMaps + ", defined " + configMaps);
    assertTrue(queues.containsAll(List.of(TaskQueues.CPU, TaskQueues.GPU)), "both queues are served: " + queues);
    assertTrue(gpuRequested, "the gpu-queue worker requests a GPU");
  }

  @Test
  void composeServicesRunKilnCommandsWithKnownEnvironment() throws IOException {
    JsonNode compose = YAML.readTree(INFRA.resolve("compose/docker-compose.yaml").toFile());
    compose.path("x-kiln-env").fieldNames().forEachRemaining(name -> assertTrue(KNOWN_ENV.contains(name), name));
    compose.path("services").forEach(service -> {
      List<String> args = new ArrayList<>();
      service.path("command").forEach(a -> args.add(a.asText()));
      assertParses(args);
      queuesOf(args).forEach(q -> assertTrue(Set.of(TaskQueues.CPU, TaskQueues.GPU).contains(q), q));
    });
  }

  private static void assertParses(List<String> args) {
    // parseArgs rejects unknown subcommands and options without running anything
    new CommandLine(new KilnCli()).parseArgs(args.toArray(String[]::new));
  }

  private static List<String> queuesOf(List<String> args) {
    int i = args.indexOf("--queues");
    return i < 0 ? List.of() : List.of(args.get(i + 1).split(","));
  }

  private static List<JsonNode> k8sDocuments() throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(INFRA.resolve("k8s"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        YAML.readerFor(JsonNode.class).readValues(file.toFile()).forEachRemaining(d -> docs.add((JsonNode) d));
      }
    }
    assertTrue(docs.size() >= 4, "manifests found: " + docs.size());
    return docs;
  }

  private static String dockerfileVersion(String dockerfile) throws IOException {
    Matcher m = Pattern.compile("org.opencontainers.image.version=\"([^\"]+)\"").matcher(Files.readString(INFRA.resolve(dockerfile)));
    assertTrue(m.find(), "infra/" + dockerfile + " labels its version");
    return m.group(1);
  }
}
