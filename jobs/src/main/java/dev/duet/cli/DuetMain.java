package dev.duet.cli;

import dev.duet.BuildInfo;
import dev.duet.config.ConfigException;
import dev.duet.contracts.InputException;
import dev.duet.store.LeaseHeldException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point, for spark-submit and for the {@code ./duet} launcher:
 * {@code duet <stage> --config conf/x.yaml [--run-id ID] [--store URI] [--force]}.
 *
 * <p>Exit codes: 0 done (or already done), 2 usage, config or input error (one line per
 * problem, before Spark starts), 1 runtime failure (one line; the stack trace with --verbose), 3 a
 * scoring run that published its outputs and flagged drift under {@code --fail-on-drift}.
 */
@Command(name = "duet", mixinStandardHelpOptions = true, versionProvider = DuetMain.Version.class,
    description = "Duet: distributed batch training pipeline.",
    subcommands = {IngestCommand.class, TrainMlCommand.class, TrainDlCommand.class, EvaluateCommand.class,
        RunCommand.class, VerdictCommand.class, ScoreCommand.class, AirflowCommand.class})
public final class DuetMain {
  public static final int OK = 0;
  public static final int RUNTIME_FAILURE = 1;
  public static final int USAGE = 2;

  public static void main(String[] args) {
    int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    System.exit(code);
  }

  /** Runs the CLI without exiting; what {@link #main} and the tests call. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    return execute(commandLine(out, err, CommandLine.defaultFactory()), args);
  }

  /**
   * As {@link #execute(String[], PrintWriter, PrintWriter)}, on a session the caller owns and
   * keeps open (tests, benchmarks, embedding Duet in another Spark application).
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err, SparkSession session) {
    CommandLine.IFactory factory = new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        K made = CommandLine.defaultFactory().create(cls);
        if (made instanceof StageCommand stage) {
          stage.sharedSession = session;
        } else if (made instanceof RunCommand run) {
          run.sharedSession = session;
        }
        return made;
      }
    };
    return execute(commandLine(out, err, factory), args);
  }

  private static CommandLine commandLine(PrintWriter out, PrintWriter err, CommandLine.IFactory factory) {
    CommandLine cli = new CommandLine(new DuetMain(), factory);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((ex, args) -> {
      err.println("duet: " + ex.getMessage());
      err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      err.flush();
      return USAGE;
    });
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> failure(cmd.getCommandSpec().qualifiedName(" ")
        .replaceFirst("^duet ", ""), ex, cmd.getParseResult().hasMatchedOption("--verbose"), err));
    return cli;
  }

  /**
   * A command's failure as its exit code, told in {@code err}: 2 with one line per problem for
   * a config, input or lease problem, 1 with one line (and the stack trace when verbose) otherwise.
   */
  static int failure(String stage, Exception ex, boolean verbose, PrintWriter err) {
    if (ex instanceof ConfigException ce) {
      ce.problems().forEach(p -> err.println("duet " + stage + ": " + p));
      err.flush();
      return USAGE;
    }
    if (ex instanceof InputException || ex instanceof LeaseHeldException
        || ex instanceof dev.duet.airflow.AirflowException) {
      err.println("duet " + stage + ": " + ex.getMessage());
      err.flush();
      return USAGE;
    }
    err.println("duet " + stage + " failed: " + oneLine(ex));
    if (verbose) {
      StringWriter trace = new StringWriter();
      ex.printStackTrace(new PrintWriter(trace));
      err.print(trace);
    } else {
      err.println("(run with --verbose for the stack trace)");
    }
    err.flush();
    return RUNTIME_FAILURE;
  }

  private static int execute(CommandLine cli, String[] args) {
    if (args.length == 0) {
      cli.usage(cli.getErr());
      return USAGE;
    }
    return cli.execute(args);
  }

  /** The innermost cause's message, first line only: what a user can act on. */
  static String oneLine(Throwable ex) {
    Throwable root = ex;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    String first = msg.strip().lines().findFirst().orElse(msg);
    String type = root.getClass().getSimpleName();
    return first.contains(type) ? first : type + ": " + first;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"duet " + BuildInfo.version() + " (" + BuildInfo.gitSha() + "), DL4J " + BuildInfo.dl4jVersion()};
    }
  }
}
