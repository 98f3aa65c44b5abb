package dev.duet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One standalone cluster for every cluster test class of the JVM (started by the first, stopped
 * when the test run ends), with one store and the whole run on it that the classes build on: the
 * run's ingest is what their own runs start from, its predictions what they compare with. A class
 * gets it as a parameter of a {@code @BeforeAll} method under {@code @ExtendWith(SharedCluster.class)}.
 *
 * <p>The data: the real MNIST digits at test size and half resolution (test resource
 * cluster/mnist-small.yaml). One file, read by one task: split in two, the ingest took 10 s
 * longer (two cold executors compiling the same wide plan on 2 cores).
 */
public final class SharedCluster implements ParameterResolver {
  public static final Duration RUN_LIMIT = Duration.ofMinutes(12);
  /**
   * Digits of the real MNIST at half resolution (600 in the test split, 196 pixels): no floor here
   * needs TestData's 5,000 full-size digits, and every JVM the tests start plans each stage over
   * these columns (784 pixels cost ~40 s of planning per ingest, whatever the rows).
   */
  private static final int DIGITS = 3_000;

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Fixture.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.create(SharedCluster.class))
        .getOrComputeIfAbsent(Fixture.class, k -> Fixture.start(), Fixture.class);
  }

  /** The cluster, its store and the whole run on it; closed by JUnit at the end of the test run. */
  public static final class Fixture implements ExtensionContext.Store.CloseableResource {
    public final StandaloneCluster cluster;
    /** The pipeline's config (cluster/mnist-small.yaml over the digits). */
    public final Path config;
    private final Path dir;
    private String wholeRun;
    private Throwable wholeRunFailure;

    private Fixture(Path dir, Path config, StandaloneCluster cluster) {
      this.dir = dir;
      this.config = config;
      this.cluster = cluster;
    }

    private static Fixture start() {
      try {
        Path dir = Files.createTempDirectory("duet-cluster");
        String yaml = new String(SharedCluster.class.getResourceAsStream("/cluster/mnist-small.yaml").readAllBytes())
            .replace("MNIST_CSV", TestData.mnistHalfResolution(DIGITS).toString());
        Path config = Files.writeString(dir.resolve("mnist-small.yaml"), yaml);
        return new Fixture(dir, config, StandaloneCluster.start(dir.resolve("cluster")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** A directory of this fixture's, for a class's logs and configs. */
    public Path dir(String name) throws IOException {
      return Files.createDirectories(dir.resolve(name));
    }

    public Path store() {
      return dir.resolve("store");
    }

    /** spark-submit to the cluster, one core per executor, an event log in {@code events}. */
    public SparkSubmit onTheCluster(Path events) {
      return SparkSubmit.to(cluster.masterUrl)
          .conf("spark.executor.cores", "1").conf("spark.executor.memory", "2g")
          .conf("spark.eventLog.enabled", "true").conf("spark.eventLog.dir", events.toUri().toString());
    }

    /** {@code duet run} of {@code config} as run {@code runId} in the store. */
    public String[] run(Path config, String runId) {
      return new String[] {"run", "--config", config.toString(), "--run-id", runId, "--store", store().toString()};
    }

    /**
     * The whole pipeline, run "cluster", on the cluster as conf/spark/mixed.conf deploys it
     * (dynamic allocation, the network on the GPU executor); its output. Runs once, for whichever
     * class asks first; a failure is every asker's.
     */
    public synchronized String wholeRun() throws IOException {
      if (wholeRun == null && wholeRunFailure == null) {
        try {
          wholeRun = onTheCluster(Files.createDirectories(wholeRunEvents()))
              .conf("spark.dynamicAllocation.enabled", "true")
              .conf("spark.dynamicAllocation.shuffleTracking.enabled", "true")
              .conf("spark.dynamicAllocation.maxExecutors", "2") // per profile: leaves the GPU worker a core for the GPU executor
              .conf("spark.duet.train-dl.executor.gpus", "1")
              .conf("spark.duet.train-dl.gpu.discoveryScript", cluster.gpuDiscoveryScript.toString())
              .run(dir.resolve("cluster.log"), RUN_LIMIT, run(config, "cluster"));
        } catch (IOException | RuntimeException | Error e) {
          wholeRunFailure = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          wholeRunFailure = e;
        }
      }
      if (wholeRunFailure != null) {
        throw new AssertionError("The whole run on the cluster failed", wholeRunFailure);
      }
      return wholeRun;
    }

    /** The whole run's event log directory. */
    public Path wholeRunEvents() {
      return dir.resolve("events-cluster");
    }

    /** Starts run {@code runId} from the whole run's clean rows: what is compared is what follows ingest. */
    public void ingestedAs(String runId) throws IOException {
      wholeRun();
      Dirs.copyTree(store().resolve("mnist/cluster/ingest"), store().resolve("mnist/" + runId + "/ingest"));
    }

    /** The rows of a prediction set, after checking that each row id is there once. */
    public static long predictionRows(Path dir) {
      // A retried task's output is committed once, never appended beside the lost attempt's.
      var rows = SparkTestSession.get().read().parquet(dir.toString());
      long count = rows.count();
      assertThat(rows.select("row_id").distinct().count()).as(dir + ": row ids once each").isEqualTo(count);
      return count;
    }

    @Override
    public void close() throws Exception {
      try {
        cluster.close();
      } finally {
        Dirs.deleteTree(dir);
      }
    }
  }
}
