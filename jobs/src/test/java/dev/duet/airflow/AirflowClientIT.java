package dev.duet.airflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.cli.DuetMain;
import dev.duet.testing.Cli;
import java.io.IOException;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet airflow …} against a real Airflow 3 ({@code airflow standalone} from the project's
 * .venv: API server, scheduler, DAG processor, LocalExecutor, SQLite) started on loopback for the
 * class, with two tiny DAGs (one succeeds, one fails after printing a marker).
 */
class AirflowClientIT {
  private static final Path AIRFLOW = Path.of("..", ".venv", "bin", "airflow").toAbsolutePath().normalize();
  private static final String PASSWORD = "s3cret-for-the-test";
  @TempDir
  static Path tmp;
  private static Process airflow;
  private static String url;
  private static Path credentials;

  @BeforeAll
  static void startAirflow() throws Exception {
    assertThat(AIRFLOW).as("run pipelines/setup-venv.sh first (the README's test command does)").isExecutable();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    url = "http://127.0.0.1:" + port;
    Path dags = Files.createDirectories(tmp.resolve("dags"));
    Files.copy(Path.of("src/test/resources/airflow-dags/client_dags.py"), dags.resolve("client_dags.py"));
    Path passwords = Files.writeString(tmp.resolve("passwords.json"), "{\"admin\": \"" + PASSWORD + "\"}");
    credentials = Files.writeString(tmp.resolve("airflow.properties"), "username=admin\npassword=" + PASSWORD + "\n");
    ProcessBuilder pb = new ProcessBuilder(AIRFLOW.toString(), "standalone")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("airflow.log").toFile());
    Map<String, String> env = pb.environment();
    env.put("PATH", AIRFLOW.getParent() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("AIRFLOW_HOME", tmp.resolve("home").toString());
    env.put("AIRFLOW__CORE__DAGS_FOLDER", dags.toString());
    env.put("AIRFLOW__CORE__LOAD_EXAMPLES", "False");
    env.put("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False");
    env.put("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin");
    env.put("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", passwords.toString());
    env.put("AIRFLOW__API__HOST", "127.0.0.1");
    env.put("AIRFLOW__API__PORT", String.valueOf(port));
    env.put("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", url + "/execution/");
    env.put("AIRFLOW__API_AUTH__JWT_SECRET", "duet-test-secret");
    env.put("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "5");
    airflow = pb.start();
    awaitDags(Duration.ofMinutes(5));
  }

  @AfterAll
  static void stopAirflow() {
    if (airflow == null) {
      return;
    }
    // standalone runs the scheduler, API server, DAG processor and triggerer as children: stop them all.
    List<ProcessHandle> all = new ArrayList<>(airflow.descendants().toList());
    all.add(airflow.toHandle());
    all.forEach(ProcessHandle::destroy);
    Instant deadline = Instant.now().plusSeconds(30);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()),
            java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void aTriggeredRunIsWatchedToSuccess() {
    Cli r = duet("trigger", "--dag", "duet_client_ok", "--conf", "{\"duet_run_id\": \"it-1\"}", "--wait", "--poll", "2");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("airflow: triggered duet_client_ok run ").contains("of duet_client_ok: success");
  }

  @Test
  void aFailedRunExitsOneAndNamesItsFailedTaskWhoseLogCanBeRead() {
    Cli r = duet("trigger", "--dag", "duet_client_fail", "--wait", "--poll", "2");
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out()).contains("of duet_client_fail: failed").contains("airflow:   boom failed (try 1)");
    Matcher m = Pattern.compile("triggered duet_client_fail run (\\S+)").matcher(r.out());
    assertThat(m.find()).isTrue();
    String run = m.group(1);

    Cli status = duet("status", "--dag", "duet_client_fail", "--run", run);
    assertThat(status.exitCode()).isZero();
    assertThat(status.out()).contains("run " + run + " of duet_client_fail: failed").containsPattern("boom +failed");

    Cli logs = duet("logs", "--dag", "duet_client_fail", "--run", run, "--task", "boom");
    assertThat(logs.exitCode()).isZero();
    assertThat(logs.out()).contains("duet-marker: about to fail");
  }

  @Test
  void aWrongPasswordIsOneLineAndExitTwoWithoutThePassword() throws IOException {
    Path bad = Files.writeString(tmp.resolve("bad.properties"), "username=admin\npassword=not-the-password-42\n");
    Cli r = cli("airflow", "status", "--url", url, "--credentials", bad.toString(), "--dag",
        "duet_client_ok", "--run", "x");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly(
        "duet airflow status: Airflow at " + url + "/ refused the credentials of user admin (401)");
    assertThat(r.out() + r.err()).doesNotContain("not-the-password-42");
  }

  @Test
  void anUnknownDagIsOneLineAndExitTwo() {
    Cli r = duet("trigger", "--dag", "no_such_dag");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).singleElement().asString().startsWith("duet airflow trigger: Airflow has no DAG no_such_dag (404");
  }

  @Test
  void aWrongUrlIsOneLineAfterRetries() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Cli r = cli("airflow", "status", "--url", "http://127.0.0.1:" + closed, "--credentials",
        credentials.toString(), "--dag", "d", "--run", "r");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("duet airflow status: Cannot reach Airflow at http://127.0.0.1:" + closed
        + "/ (connection refused, 3 tries): check --url or AIRFLOW_URL");
  }

  @Test
  void aTriggerWhoseFirstAnswerIsLostAfterAirflowCreatedTheRunStartsExactlyOneRun() throws Exception {
    AtomicInteger posts = new AtomicInteger();
    HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    // A loopback proxy in front of the real Airflow: it forwards every request, but holds the
    // answer to the first POST of a run for longer than the client waits.
    HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    proxy.createContext("/", exchange -> {
      try (exchange) {
        HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(url + exchange.getRequestURI()))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(exchange.getRequestBody().readAllBytes()));
        for (String h : List.of("Authorization", "Content-Type", "Accept")) {
          String v = exchange.getRequestHeaders().getFirst(h);
          if (v != null) {
            forward.header(h, v);
          }
        }
        HttpResponse<byte[]> answer = upstream.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
        boolean firstTrigger = exchange.getRequestMethod().equals("POST")
            && exchange.getRequestURI().getPath().endsWith("/dagRuns") && posts.incrementAndGet() == 1;
        if (firstTrigger) {
          Thread.sleep(5_000); // the run exists in Airflow; its answer comes after the client gave up
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
        exchange.getResponseBody().write(answer.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // the client closed the connection it stopped waiting on
      }
    });
    proxy.start();
    try {
      String viaProxy = "http://127.0.0.1:" + proxy.getAddress().getPort();
      String marker = "once-" + System.nanoTime();
      Cli r = cli("airflow", "trigger", "--url", viaProxy, "--credentials", credentials.toString(),
          "--request-timeout", "2", "--dag", "duet_client_ok", "--conf", "{\"duet_run_id\": \"" + marker + "\"}");
      assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
      assertThat(posts.get()).as("the POST was retried").isEqualTo(2);
      assertThat(r.out()).containsPattern("airflow: triggered duet_client_ok run duet__\\d{8}T\\d{6}-[0-9a-f]{8} ");
      assertThat(runsWithConf("duet_client_ok", marker)).as("DAG runs with this conf").isEqualTo(1);

      String run = r.out().replaceAll("(?s).*triggered duet_client_ok run (\\S+).*", "$1");
      Cli again = duet("trigger", "--dag", "duet_client_ok", "--run-id", run);
      assertThat(again.exitCode()).as("a run id that is taken, on the first try, is not this call's run").isEqualTo(2);
      assertThat(again.errLines()).singleElement().asString()
          .startsWith("duet airflow trigger: Airflow already has run " + run + " of DAG duet_client_ok (409");
    } finally {
      proxy.stop(0);
    }
  }

  /** How many runs of the DAG carry {@code marker} in their conf, read from Airflow's API directly. */
  private static long runsWithConf(String dag, String marker) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(url + "/auth/token"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"username\": \"admin\", \"password\": \"" + PASSWORD + "\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    String jwt = token.body().replaceAll(".*\"access_token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    HttpResponse<String> runs = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v2/dags/" + dag
        + "/dagRuns?limit=100")).header("Authorization", "Bearer " + jwt).build(), HttpResponse.BodyHandlers.ofString());
    return Pattern.compile(Pattern.quote(marker)).matcher(runs.body()).results().count();
  }

  private static Cli duet(String... args) {
    List<String> all = new ArrayList<>(List.of("airflow"));
    all.add(args[0]);
    all.addAll(List.of("--url", url, "--credentials", credentials.toString()));
    all.addAll(List.of(args).subList(1, args.length));
    return cli(all.toArray(String[]::new));
  }

  /** The CLI in-process, output captured. */
  private static Cli cli(String... args) {
    return Cli.capture((out, err) -> DuetMain.execute(args, out, err));
  }

  /** Until the API answers a token and lists both DAGs (the DAG processor has parsed them). */
  private static void awaitDags(Duration timeout) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      assertThat(airflow.isAlive()).as("airflow standalone exited; see " + tmp.resolve("airflow.log")).isTrue();
      try {
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(url + "/auth/token"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"username\": \"admin\", \"password\": \"" + PASSWORD + "\"}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (token.statusCode() == 201) {
          String jwt = token.body().replaceAll(".*\"access_token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
          HttpResponse<String> dags = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v2/dags"))
              .header("Authorization", "Bearer " + jwt).build(), HttpResponse.BodyHandlers.ofString());
          if (dags.body().contains("duet_client_ok") && dags.body().contains("duet_client_fail")) {
            return;
          }
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(2_000);
    }
    throw new AssertionError("Airflow did not come up with both DAGs within " + timeout + "; see " + tmp.resolve("airflow.log"));
  }
}
