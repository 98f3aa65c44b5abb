package dev.duet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster on loopback (a master and two workers, each its own JVM),
 * started and stopped by deploy/standalone/cluster.sh. The first worker offers one GPU found by
 * a discovery script that reports address "0": a machine without a GPU can still show where
 * GPU work is placed.
 */
public final class StandaloneCluster implements AutoCloseable {
  public final String masterUrl;
  public final Path dir;
  /** The discovery script of the fake GPU (also what a GPU executor runs). */
  public final Path gpuDiscoveryScript;

  private StandaloneCluster(String masterUrl, Path dir, Path gpuDiscoveryScript) {
    this.masterUrl = masterUrl;
    this.dir = dir;
    this.gpuDiscoveryScript = gpuDiscoveryScript;
  }

  public static StandaloneCluster start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path fakeGpu = Files.writeString(dir.resolve("fake-gpu-discovery.sh"),
        "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[\"0\"]}'\n");
    fakeGpu.toFile().setExecutable(true);
    ProcessBuilder pb = new ProcessBuilder(script().toString(), "start").redirectErrorStream(true);
    pb.environment().remove("SPARK_HOME"); // the cluster runs on the Spark jars Maven fetched, linked into dir
    pb.environment().putAll(Map.of("CLUSTER_DIR", dir.toString(), "MASTER_PORT", String.valueOf(freePort()),
        "WORKERS", "2", "WORKER_CORES", "2", "WORKER_MEMORY", "5g", "GPU_WORKERS", "1",
        "GPU_DISCOVERY_SCRIPT", fakeGpu.toString(), "JAVA_HOME", System.getProperty("java.home")));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    List<String> lines = out.lines().toList();
    return new StandaloneCluster(lines.get(lines.size() - 1), dir, fakeGpu);
  }

  /** Kills executor {@code id}'s JVM (SIGKILL: no shutdown hooks, like a lost node). */
  public void killExecutor(String id) {
    ProcessHandle executor = ProcessHandle.allProcesses()
        .filter(ph -> {
          String cmd = ph.info().commandLine().orElse("");
          return cmd.contains("CoarseGrainedExecutorBackend") && cmd.contains("--executor-id " + id + " ")
              && cmd.contains(dir.toString());
        })
        .findFirst().orElseThrow(() -> new AssertionError("no JVM of executor " + id + " in " + dir));
    executor.destroyForcibly();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(script().toString(), "stop").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("CLUSTER_DIR", dir.toString());
    pb.start().waitFor(1, TimeUnit.MINUTES);
  }

  private static Path script() {
    return Path.of(System.getProperty("duet.root"), "deploy", "standalone", "cluster.sh");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
