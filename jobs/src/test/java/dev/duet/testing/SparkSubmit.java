package dev.duet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Duet stage submitted by Spark's own SparkSubmit (what bin/spark-submit runs) on a classpath of
 * Spark's jars only, with the shaded duet-jobs-all.jar as the application: what a cluster user
 * runs. Needs the Failsafe properties duet.shaded.jar, duet.spark.classpath, duet.java17.opens.
 */
public final class SparkSubmit {
  private final String master;
  private final List<String> sparkConf = new ArrayList<>();

  private SparkSubmit(String master) {
    this.master = master;
    conf("spark.ui.enabled", "false").conf("spark.driver.host", "127.0.0.1")
        .conf("spark.executor.extraJavaOptions", TestJvm.SHORT_STAGE);
  }

  public static SparkSubmit to(String master) {
    return new SparkSubmit(master);
  }

  public SparkSubmit conf(String key, String value) {
    sparkConf.add("--conf");
    sparkConf.add(key + "=" + value);
    return this;
  }

  /** Starts the driver with its output going to {@code log}; the caller waits for it. */
  public Process start(Path log, String... duetArgs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
    cmd.addAll(List.of(TestJvm.SHORT_STAGE.split(" ")));
    cmd.addAll(Arrays.asList(System.getProperty("duet.java17.opens").trim().split("\\s+")));
    String sparkJars = Files.readString(Path.of(System.getProperty("duet.spark.classpath"))).trim();
    cmd.addAll(List.of("-cp", sparkJars, "org.apache.spark.deploy.SparkSubmit", "--master", master,
        "--class", "dev.duet.cli.DuetMain"));
    cmd.addAll(sparkConf);
    cmd.add(Path.of(System.getProperty("duet.shaded.jar")).toString());
    cmd.addAll(List.of(duetArgs));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb.start();
  }

  /** Runs the stage to the end; returns its output after checking it exited 0 within {@code limit}. */
  public String run(Path log, Duration limit, String... duetArgs) throws IOException, InterruptedException {
    Process p = start(log, duetArgs);
    boolean ended = p.waitFor(limit.toSeconds(), TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly().waitFor();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(ended).as("ended within %s: %s", limit, output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }
}
