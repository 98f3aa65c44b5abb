package dev.duet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cluster files in deploy/ and conf/spark/ agree with the build and with each other: what
 * the manifests run is what the images hold, the GPU stage asks for GPUs where it must, and the
 * placeholders are filled in as submitted.
 */
class DeployFilesTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "train-ml", "train-dl", "evaluate"})
  void eachStageIsASparkApplicationRunningTheShadedJarOfItsImage(String stage) throws IOException {
    JsonNode app = manifest(stage);
    boolean gpu = stage.equals("train-dl");
    assertThat(app.path("apiVersion").asText()).isEqualTo("sparkoperator.k8s.io/v1beta2");
    assertThat(app.path("kind").asText()).isEqualTo("SparkApplication");
    JsonNode spec = app.path("spec");
    assertThat(spec.path("type").asText()).isEqualTo("Java");
    assertThat(spec.path("mainClass").asText()).isEqualTo("dev.duet.cli.DuetMain");
    assertThat(spec.path("sparkVersion").asText()).isEqualTo(pomProperty("spark.version"));
    assertThat(spec.path("arguments").get(0).asText()).isEqualTo(stage);
    assertThat(texts(spec.path("arguments"))).containsSubsequence("--run-id", "RUN_ID").containsSubsequence("--store", "STORE_URI");

    String dockerfile = Files.readString(ROOT.resolve(gpu ? "deploy/docker/cuda.Dockerfile" : "deploy/docker/cpu.Dockerfile"));
    assertThat(spec.path("image").asText()).isEqualTo(gpu ? "duet-cuda:0.1.0" : "duet:0.1.0");
    assertThat(dockerfile).as("the image's build command tags what the manifest runs")
        .contains("-t " + spec.path("image").asText() + " .");
    String jarInImage = spec.path("mainApplicationFile").asText().replaceFirst("^local://", "");
    assertThat(dockerfile).contains("COPY jobs/target/duet-jobs-all.jar " + jarInImage);
    // The config the driver reads is where the ConfigMap is mounted.
    String mount = spec.at("/driver/volumeMounts/0/mountPath").asText();
    assertThat(texts(spec.path("arguments")).get(2)).startsWith(mount + "/");

    JsonNode executor = spec.path("executor");
    if (gpu) {
      assertThat(executor.at("/gpu/name").asText()).isEqualTo("nvidia.com/gpu");
      assertThat(executor.at("/gpu/quantity").asInt()).isEqualTo(1);
      assertThat(executor.at("/nodeSelector").isObject()).isTrue();
      JsonNode conf = spec.path("sparkConf");
      assertThat(conf.path("spark.executor.resource.gpu.amount").asText()).isEqualTo("1");
      assertThat(conf.path("spark.task.resource.gpu.amount").asText()).isEqualTo("1");
      assertThat(dockerfile).as("the discovery script is in the image where the manifest says")
          .contains("COPY deploy/gpu-discovery.sh " + conf.path("spark.executor.resource.gpu.discoveryScript").asText());
    } else {
      assertThat(executor.has("gpu")).isFalse();
      assertThat(spec.path("sparkConf").has("spark.executor.resource.gpu.amount")).isFalse();
    }
  }

  @Test
  void theImagesAreBuiltOnTheSparkAndCudaTheBuildPins() throws IOException {
    String spark = pomProperty("spark.version");
    assertThat(from("deploy/docker/cpu.Dockerfile")).containsExactly("apache/spark:" + spark + "-scala2.12-java17-ubuntu");
    List<String> cuda = from("deploy/docker/cuda.Dockerfile");
    assertThat(cuda.get(0)).isEqualTo("apache/spark:" + spark + "-scala2.12-java17-ubuntu");
    // The cuda Maven profile builds against nd4j-cuda-11.6: the runtime image must be CUDA 11.6.
    assertThat(Files.readString(ROOT.resolve("pom.xml"))).contains("<nd4j.backend>nd4j-cuda-11.6</nd4j.backend>");
    assertThat(cuda.get(1)).startsWith("nvidia/cuda:11.6.").contains("cudnn8-runtime");
  }

  @Test
  void theGpuProfilesFindGpusWithTheScriptTheCudaImageShips() throws IOException {
    String cudaImage = Files.readString(ROOT.resolve("deploy/docker/cuda.Dockerfile"));
    Properties gpu = profile("gpu");
    assertThat(gpu.getProperty("spark.executor.resource.gpu.amount")).isEqualTo("1");
    assertThat(gpu.getProperty("spark.task.resource.gpu.amount")).isEqualTo("1");
    assertThat(cudaImage).contains("COPY deploy/gpu-discovery.sh " + gpu.getProperty("spark.executor.resource.gpu.discoveryScript"));

    Properties mixed = profile("mixed");
    assertThat(mixed.getProperty("spark.executor.resource.gpu.amount")).as("CPU executors stay CPU executors").isNull();
    assertThat(mixed.getProperty("spark.dynamicAllocation.enabled")).as("stage-level scheduling needs it").isEqualTo("true");
    assertThat(mixed.getProperty("spark.dynamicAllocation.shuffleTracking.enabled")).isEqualTo("true");
    assertThat(mixed.getProperty("spark.duet.train-dl.executor.gpus")).isEqualTo("1");
    assertThat(cudaImage).contains("COPY deploy/gpu-discovery.sh " + mixed.getProperty("spark.duet.train-dl.gpu.discoveryScript"));
    assertThat(profile("cpu").stringPropertyNames()).noneMatch(k -> k.contains("gpu"));
  }

  @Test
  void submittingAStageFillsInPipelineRunAndStore(@TempDir Path tmp) throws Exception {
    // kubectl stands in for a Kubernetes API server here: it keeps what it is asked to apply.
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path applied = tmp.resolve("applied.yaml");
    Path kubectl = Files.writeString(bin.resolve("kubectl"), "#!/bin/sh\ncat > " + applied + "\n");
    kubectl.toFile().setExecutable(true);
    ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("deploy/k8s/submit.sh").toString(), "train-dl", "mnist",
        "Nightly_2026.11.25", "s3a://bucket/duet").redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    String name = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor()).isZero();

    JsonNode app = YAML.readTree(applied.toFile());
    assertThat(name).isEqualTo("duet-train-dl-nightly-2026-11-25").isEqualTo(app.at("/metadata/name").asText());
    assertThat(texts(app.at("/spec/arguments"))).containsExactly("train-dl", "--config", "/opt/duet/pipelines/mnist.yaml",
        "--run-id", "Nightly_2026.11.25", "--store", "s3a://bucket/duet");
  }

  @Test
  void anUnknownStageIsRefusedWithOneLine(@TempDir Path tmp) throws Exception {
    Process p = new ProcessBuilder(ROOT.resolve("deploy/k8s/submit.sh").toString(), "train-xl", "mnist", "r", "s3a://b")
        .start();
    String err = new String(p.getErrorStream().readAllBytes()).trim();
    assertThat(p.waitFor()).isEqualTo(2);
    assertThat(err).isEqualTo("deploy/k8s/submit.sh: no manifest for stage 'train-xl'");
  }

  private static JsonNode manifest(String stage) throws IOException {
    return YAML.readTree(ROOT.resolve("deploy/k8s/" + stage + ".yaml").toFile());
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The images of a Dockerfile's FROM lines, in order. */
  private static List<String> from(String dockerfile) throws IOException {
    Matcher m = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(Files.readString(ROOT.resolve(dockerfile)));
    List<String> images = new java.util.ArrayList<>();
    while (m.find()) {
      images.add(m.group(1));
    }
    return images;
  }

  private static Properties profile(String name) throws IOException {
    Properties p = new Properties(); // spark-defaults files are Java properties (whitespace separates key and value)
    try (var in = Files.newBufferedReader(ROOT.resolve("conf/spark/" + name + ".conf"))) {
      p.load(in);
    }
    return p;
  }

  private static String pomProperty(String name) throws IOException {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertThat(m.find()).as(name + " in pom.xml").isTrue();
    return m.group(1);
  }
}
