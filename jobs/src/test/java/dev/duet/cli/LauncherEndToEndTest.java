package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./duet} as a user runs it, in its own JVM, on the real sample data that
 * {@code deploy/fetch-sample-data.sh} fetched from npm (the 3M flights). The shipped MNIST
 * config's ingest, 785 columns, is checked in the test JVM where the digit tests share it
 * (BoostersOnTheDigitsCommandTest): through the launcher it cost a second 785-column ingest.
 */
@Tag("sample-data")
class LauncherEndToEndTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @TempDir
  Path store;

  @BeforeAll
  static void sampleDataIsThere() {
    assertThat(ROOT.resolve("data/flights-3m.parquet"))
        .as("run deploy/fetch-sample-data.sh first (the README's test command does)").exists();
  }

  @Test
  void ingestsTheThreeMillionFlights() throws Exception {
    Run r = duet("ingest", "--config", "conf/flights.yaml", "--run-id", "e2e", "--store", store.toString());
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).contains("ingest: read 3,000,000 rows").contains("output in file:" + store);
    JsonNode q = json(store.resolve("flights/e2e/ingest/quality.json"));
    long read = q.at("/rows/read").asLong();
    assertThat(read).isEqualTo(3_000_000);
    assertThat(read).isEqualTo(q.at("/rows/clean").asLong() + q.at("/rows/quarantined").asLong()
        + q.at("/rows/duplicates_removed").asLong() + q.at("/rows/dropped").asLong());
    assertThat(q.at("/split/test").asLong() / (double) q.at("/rows/clean").asLong()).isBetween(0.19, 0.21);
    assertThat(q.at("/label/classes/1/total").asLong()).as("delayed flights").isPositive();
    assertThat(q.at("/label/classes/0/total").asLong()).as("on-time flights").isPositive();
    assertThat(q.at("/columns/origin/top_values/0/value").asText()).hasSize(3);
    assertThat(q.at("/columns/hour/max").asDouble()).isEqualTo(23.0);
    assertThat(store.resolve("flights/e2e/ingest/_SUCCESS")).exists();
    assertThat(store.resolve("flights/e2e/ingest/clean/split=test")).isDirectory();
  }

  @Test
  void rejectsABadConfigWithReadableLinesAndNoStackTrace() throws Exception {
    Path conf = Files.writeString(store.resolve("bad.yaml"), """
        pipeline: flights
        task: classification
        label: delayed
        input: {path: data/flights-3m.parquet, format: parquet}
        columns: [{name: delay, type: int}, {name: gate, type: string}]
        """);
    Run r = duet("ingest", "--config", conf.toString(), "--store", store.toString());
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.output.lines().filter(l -> l.startsWith("duet ingest: "))).containsExactlyInAnyOrder(
        "duet ingest: Label column delayed is neither a declared column nor a derived one");
    assertThat(r.output).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void refusesToTrainBeforeIngestWithOneLine() throws Exception {
    Run r = duet("train-ml", "--config", "conf/flights.yaml", "--store", store.resolve("empty").toString());
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.output.lines().filter(l -> l.startsWith("duet train-ml: "))).containsExactly(
        "duet train-ml: No run of flights in file:" + store.resolve("empty") + " has finished ingest: run ./duet ingest first");
    assertThat(r.output).doesNotContain("\tat ").doesNotContain("Exception");
  }

  private record Run(int exit, String output) {}

  private static Run duet(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("duet").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().put("DUET_NO_BUILD", "1");
    pb.environment().put("DUET_JAVA_OPTS", "-Xmx4g " + dev.duet.testing.TestJvm.GC);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), output);
  }

  private static JsonNode json(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }
}
