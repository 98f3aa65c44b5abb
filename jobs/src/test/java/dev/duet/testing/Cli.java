package dev.duet.testing;

import dev.duet.cli.DuetMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What one CLI invocation printed and returned. */
public record Cli(int exitCode, String out, String err) {
  public interface Invocation {
    int run(PrintWriter out, PrintWriter err);
  }

  public static Cli capture(Invocation invocation) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = invocation.run(new PrintWriter(out, true), new PrintWriter(err, true));
    return new Cli(code, out.toString(), err.toString());
  }

  /**
   * {@code duet <command> --config <file> --store <store> --run-id <runId> [extra…]} in this JVM,
   * on the shared test session, with {@code config}'s YAML written to a new file under {@code dir}.
   */
  public static Cli duet(Path dir, String command, String config, Path store, String runId, String... extra)
      throws IOException {
    Path file = Files.writeString(Files.createTempFile(dir, command, ".yaml"), config);
    return duet(command, file, store, runId, extra);
  }

  /** {@code duet <command> --config <config> --store <store> --run-id <runId> [extra…]} in this JVM. */
  public static Cli duet(String command, Path config, Path store, String runId, String... extra) {
    List<String> args = new ArrayList<>(List.of(command, "--config", config.toString(), "--store", store.toString(),
        "--run-id", runId));
    args.addAll(List.of(extra));
    return capture((out, err) -> DuetMain.execute(args.toArray(String[]::new), out, err, SparkTestSession.get()));
  }

  public List<String> errLines() {
    return err.lines().filter(l -> !l.isBlank()).toList();
  }
}
