package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.airflow.AirflowClient;
import dev.duet.airflow.AirflowClient.DagRun;
import dev.duet.airflow.AirflowClient.TaskInstance;
import dev.duet.airflow.AirflowException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code duet airflow trigger|status|wait|logs}: drives Duet's DAGs on an Airflow 3 API server.
 * Credentials come from {@code AIRFLOW_USERNAME}/{@code AIRFLOW_PASSWORD} or a properties file
 * ({@code username=}, {@code password=}); they are never printed.
 */
@Command(name = "airflow", mixinStandardHelpOptions = true,
    description = "Trigger and watch Duet's DAG runs on Airflow 3 (REST API /api/v2).",
    subcommands = {AirflowCommand.Trigger.class, AirflowCommand.Status.class, AirflowCommand.Wait.class,
        AirflowCommand.Logs.class})
final class AirflowCommand {

  /** Where Airflow is and who we are. */
  static final class Connection {
    @Option(names = "--url", paramLabel = "URL", description = "Airflow API server. Default: $AIRFLOW_URL, else http://localhost:8080.")
    String url;

    @Option(names = "--credentials", paramLabel = "FILE",
        description = "Properties file with username= and password=. Default: $AIRFLOW_USERNAME and $AIRFLOW_PASSWORD.")
    Path credentials;

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "30", description = "Per request (default 30).")
    int requestTimeout;

    AirflowClient client() {
      String base = url != null ? url : System.getenv().getOrDefault("AIRFLOW_URL", "http://localhost:8080");
      URI uri;
      try {
        uri = URI.create(base.endsWith("/") ? base : base + "/");
        if (uri.getScheme() == null || uri.getHost() == null) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        throw new AirflowException("Cannot use '" + base + "' as the Airflow URL: expected e.g. http://host:8080");
      }
      String user = System.getenv("AIRFLOW_USERNAME");
      String password = System.getenv("AIRFLOW_PASSWORD");
      if (credentials != null) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(credentials)) {
          p.load(in);
        } catch (IOException e) {
          throw new AirflowException("Cannot read the credentials file " + credentials + ": " + e.getMessage());
        }
        user = p.getProperty("username");
        password = p.getProperty("password");
      }
      if (user == null || password == null) {
        throw new AirflowException("No Airflow credentials: set AIRFLOW_USERNAME and AIRFLOW_PASSWORD or pass"
            + " --credentials FILE (username=..., password=...)");
      }
      return new AirflowClient(new AirflowClient.Settings(uri, user, password, Duration.ofSeconds(requestTimeout), 3));
    }
  }

  /** A DAG run to look at. */
  static final class RunRef {
    @Option(names = "--dag", required = true, description = "DAG id, e.g. duet_flights.")
    String dag;

    @Option(names = "--run", required = true, description = "Airflow run id.")
    String run;
  }

  /** How long to wait for a run and how often to ask. */
  static final class WaitOptions {
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "86400", description = "Default 1 day.")
    long timeout;

    @Option(names = "--poll", paramLabel = "SECONDS", defaultValue = "5", description = "Default 5.")
    long poll;
  }

  /** Common to the subcommands: the connection and where to print. */
  abstract static class Sub implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Connection connection = new Connection();

    @Option(names = "--verbose", description = "Print stack traces of failures.")
    boolean verbose;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    /** Waits for the run, prints each state change, and on failure which tasks failed. */
    int await(AirflowClient client, String dag, String run, WaitOptions w) {
      DagRun r = client.await(dag, run, Duration.ofSeconds(w.timeout), Duration.ofSeconds(w.poll),
          s -> {
            out().printf("airflow: run %s of %s: %s%n", s.runId(), s.dagId(), s.state());
            out().flush();
          });
      if ("success".equals(r.state())) {
        return DuetMain.OK;
      }
      for (TaskInstance t : client.tasks(dag, run)) {
        if ("failed".equals(t.state()) || "upstream_failed".equals(t.state())) {
          out().printf("airflow:   %s %s (try %d)%n", t.taskId(), t.state(), t.tryNumber());
        }
      }
      out().printf("airflow: see a failed task's log with: duet airflow logs --dag %s --run '%s' --task <task>%n", dag, run);
      out().flush();
      return DuetMain.RUNTIME_FAILURE;
    }
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true, description = "Start a DAG run (and optionally wait for it).")
  static final class Trigger extends Sub {
    @Option(names = "--dag", required = true, description = "DAG id, e.g. duet_flights.")
    String dag;

    @Option(names = "--conf", paramLabel = "JSON", description = "Run conf, e.g. '{\"duet_run_id\": \"r1\"}'.")
    String conf;

    @Option(names = "--run-id", description = "Airflow run id (default: duet__<UTC time>-<random>, chosen here so that a"
        + " retried request finds the run it created instead of starting a second one).")
    String runId;

    @Option(names = "--wait", description = "Wait for the run to finish; exit 1 if it fails.")
    boolean await;

    @Mixin
    WaitOptions waiting = new WaitOptions();

    @Override
    public Integer call() {
      JsonNode json = null;
      if (conf != null) {
        try {
          json = new ObjectMapper().readTree(conf);
        } catch (IOException e) {
          throw new AirflowException("Cannot read --conf as JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!json.isObject()) {
          throw new AirflowException("--conf must be a JSON object, e.g. '{\"duet_run_id\": \"r1\"}'");
        }
      }
      AirflowClient client = connection.client();
      DagRun r = client.trigger(dag, json, runId);
      out().printf("airflow: triggered %s run %s (%s)%n", r.dagId(), r.runId(), r.state());
      out().flush();
      return await ? await(client, dag, r.runId(), waiting) : DuetMain.OK;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "A DAG run's state and its tasks' states.")
  static final class Status extends Sub {
    @Mixin
    RunRef ref = new RunRef();

    @Override
    public Integer call() {
      AirflowClient client = connection.client();
      DagRun r = client.run(ref.dag, ref.run);
      out().printf("airflow: run %s of %s: %s%n", r.runId(), r.dagId(), r.state());
      for (TaskInstance t : client.tasks(ref.dag, ref.run)) {
        out().printf("airflow:   %-10s %s (try %d)%n", t.taskId(), t.state(), t.tryNumber());
      }
      out().flush();
      return DuetMain.OK;
    }
  }

  @Command(name = "wait", mixinStandardHelpOptions = true, description = "Wait for a DAG run to finish; exit 1 if it failed.")
  static final class Wait extends Sub {
    @Mixin
    RunRef ref = new RunRef();

    @Mixin
    WaitOptions waiting = new WaitOptions();

    @Override
    public Integer call() {
      return await(connection.client(), ref.dag, ref.run, waiting);
    }
  }

  @Command(name = "logs", mixinStandardHelpOptions = true, description = "A task's log (default: its latest try).")
  static final class Logs extends Sub {
    @Mixin
    RunRef ref = new RunRef();

    @Option(names = "--task", required = true)
    String task;

    @Option(names = "--try", paramLabel = "N", description = "Try number (default: the latest).")
    Integer tryNumber;

    @Override
    public Integer call() {
      AirflowClient client = connection.client();
      int n = tryNumber != null ? tryNumber : client.tasks(ref.dag, ref.run).stream()
          .filter(t -> t.taskId().equals(task)).mapToInt(TaskInstance::tryNumber).max()
          .orElseThrow(() -> new AirflowException("Run " + ref.run + " of " + ref.dag + " has no task " + task));
      List<String> lines = client.log(ref.dag, ref.run, task, Math.max(1, n));
      lines.forEach(out()::println);
      out().flush();
      return DuetMain.OK;
    }
  }
}
