package dev.duet.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Airflow 3's REST API (/api/v2) over java.net.http and Jackson: a JWT from {@code /auth/token},
 * trigger a DAG run with conf, read run and task-instance states, wait for a run to finish, read a
 * task's log. Connection errors and 5xx answers are retried with backoff; every failure becomes an
 * {@link AirflowException} with one line a person can act on. The password is never part of one.
 */
public final class AirflowClient {
  /**
   * @param url      the API server, e.g. {@code http://airflow.example:8080}
   * @param timeout  per request
   * @param attempts tries per request on connection errors and 5xx answers
   */
  public record Settings(URI url, String username, String password, Duration timeout, int attempts) {}

  /** A DAG run's state: queued, running, success or failed. */
  public record DagRun(String dagId, String runId, String state) {
    public boolean finished() {
      return "success".equals(state) || "failed".equals(state);
    }
  }

  public record TaskInstance(String taskId, String state, int tryNumber) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

  private final Settings settings;
  private final HttpClient http;
  private String token;

  public AirflowClient(Settings settings) {
    this.settings = settings;
    // HTTP/1.1: Airflow's API server (uvicorn) rejects java.net.http's h2c upgrade request.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(settings.timeout()).build();
  }

  /**
   * Starts a run of {@code dagId} under {@code runId}, or under a run id of the client's own when
   * null, so that the POST can be retried: a first POST whose answer was lost (a timeout after
   * Airflow created the run) makes the retry answer 409, and the run found under that id with this
   * conf is the one this call created. A 409 on the first try is another run's id: an error.
   */
  public DagRun trigger(String dagId, JsonNode conf, String runId) {
    String id = runId != null ? runId
        : "duet__" + RUN_ID_TIME.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
    ObjectNode body = JSON.createObjectNode();
    body.putNull("logical_date");
    body.set("conf", conf != null ? conf : JSON.createObjectNode());
    body.put("dag_run_id", id);
    String path = "/api/v2/dags/" + enc(dagId) + "/dagRuns";
    Sent sent = authenticated("POST", path, body);
    if (sent.response().statusCode() == 409) {
      if (sent.attempts() > 1) {
        JsonNode existing = call("GET", runPath(dagId, id), null, "run " + id + " of DAG " + dagId);
        if (body.get("conf").equals(existing.path("conf"))) {
          return dagRun(existing);
        }
      }
      throw new AirflowException("Airflow already has run " + id + " of DAG " + dagId + " (409: "
          + detail(sent.response().body()) + "): pick another run id");
    }
    return dagRun(answer(sent.response(), "POST", path, "DAG " + dagId));
  }

  public DagRun run(String dagId, String runId) {
    return dagRun(call("GET", runPath(dagId, runId), null, "run " + runId + " of DAG " + dagId));
  }

  public List<TaskInstance> tasks(String dagId, String runId) {
    JsonNode doc = call("GET", runPath(dagId, runId) + "/taskInstances", null, "run " + runId + " of DAG " + dagId);
    List<TaskInstance> out = new ArrayList<>();
    for (JsonNode t : doc.path("task_instances")) {
      out.add(new TaskInstance(t.path("task_id").asText(), t.path("state").asText(null), t.path("try_number").asInt()));
    }
    return out;
  }

  /** The lines of one try of a task's log. */
  public List<String> log(String dagId, String runId, String taskId, int tryNumber) {
    JsonNode doc = call("GET", runPath(dagId, runId) + "/taskInstances/" + enc(taskId) + "/logs/" + tryNumber
        + "?full_content=true", null, "task " + taskId + " of run " + runId + " of DAG " + dagId);
    List<String> lines = new ArrayList<>();
    for (JsonNode e : doc.path("content")) {
      lines.add(e.isTextual() ? e.asText() : e.path("event").asText());
    }
    return lines;
  }

  /** Polls until the run succeeds or fails; {@code onChange} sees each new state. */
  public DagRun await(String dagId, String runId, Duration timeout, Duration poll, Consumer<DagRun> onChange) {
    Instant deadline = Instant.now().plus(timeout);
    String last = null;
    while (true) {
      DagRun r = run(dagId, runId);
      if (!r.state().equals(last)) {
        onChange.accept(r);
        last = r.state();
      }
      if (r.finished()) {
        return r;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AirflowException("Run " + runId + " of DAG " + dagId + " is still " + r.state() + " after "
            + timeout.toSeconds() + " s");
      }
      sleep(poll);
    }
  }

  private static DagRun dagRun(JsonNode d) {
    return new DagRun(d.path("dag_id").asText(), d.path("dag_run_id").asText(), d.path("state").asText());
  }

  private String runPath(String dagId, String runId) {
    return "/api/v2/dags/" + enc(dagId) + "/dagRuns/" + enc(runId);
  }

  private JsonNode call(String method, String path, JsonNode body, String what) {
    return answer(authenticated(method, path, body).response(), method, path, what);
  }

  private Sent authenticated(String method, String path, JsonNode body) {
    Sent sent = send(method, path, body, true);
    if (sent.response().statusCode() == 401) { // an expired token: one fresh one
      token = null;
      Sent again = send(method, path, body, true);
      return new Sent(again.response(), sent.attempts() + again.attempts());
    }
    return sent;
  }

  /** An answer, and how many times the request was sent to get it. */
  private record Sent(HttpResponse<String> response, int attempts) {}

  private JsonNode answer(HttpResponse<String> r, String method, String path, String what) {
    int code = r.statusCode();
    if (code >= 200 && code < 300) {
      try {
        return JSON.readTree(r.body());
      } catch (IOException e) {
        throw new AirflowException("Airflow at " + settings.url() + " answered " + method + " " + path
            + " with something that is not JSON");
      }
    }
    String detail = detail(r.body());
    throw new AirflowException(switch (code) {
      case 401, 403 -> "Airflow at " + settings.url() + " refused user " + settings.username() + " (" + code + "): "
          + detail;
      case 404 -> "Airflow has no " + what + " (404: " + detail + ")";
      default -> "Airflow at " + settings.url() + " answered " + code + " to " + method + " " + path + ": " + detail;
    });
  }

  private Sent send(String method, String path, JsonNode body, boolean authenticated) {
    // Relative to the URL, so an Airflow behind a path prefix (http://host/airflow/) works.
    HttpRequest.Builder b = HttpRequest.newBuilder(settings.url().resolve(path.substring(1))).timeout(settings.timeout())
        .header("Accept", "application/json");
    if (authenticated) {
      b.header("Authorization", "Bearer " + token());
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    HttpRequest request = b.build();
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() < 500 || attempt >= settings.attempts()) {
          return new Sent(r, attempt);
        }
      } catch (ConnectException | HttpTimeoutException e) {
        if (attempt >= settings.attempts()) {
          throw new AirflowException("Cannot reach Airflow at " + settings.url() + " (" + (e instanceof ConnectException
              ? "connection refused" : "no answer within " + settings.timeout().toSeconds() + " s") + ", "
              + attempt + " tries): check --url or AIRFLOW_URL");
        }
      } catch (IOException e) {
        if (attempt >= settings.attempts()) {
          throw new AirflowException("Cannot reach Airflow at " + settings.url() + ": " + e.getMessage());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AirflowException("Interrupted while calling Airflow");
      }
      sleep(Duration.ofMillis(500L << Math.min(attempt, 5)));
    }
  }

  private String token() {
    if (token == null) {
      ObjectNode creds = JSON.createObjectNode();
      creds.put("username", settings.username());
      creds.put("password", settings.password());
      HttpResponse<String> r = send("POST", "/auth/token", creds, false).response();
      if (r.statusCode() == 401 || r.statusCode() == 403) {
        throw new AirflowException("Airflow at " + settings.url() + " refused the credentials of user "
            + settings.username() + " (" + r.statusCode() + ")");
      }
      token = answer(r, "POST", "/auth/token", "token endpoint /auth/token").path("access_token").asText();
    }
    return token;
  }

  private static String detail(String body) {
    try {
      JsonNode d = JSON.readTree(body).path("detail");
      String text = d.isTextual() ? d.asText() : d.toString();
      return text.isBlank() || "null".equals(text) ? abbreviate(body) : text;
    } catch (IOException e) {
      return abbreviate(body);
    }
  }

  private static String abbreviate(String s) {
    String line = s == null ? "" : s.strip().replaceAll("\\s+", " ");
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AirflowException("Interrupted while waiting for Airflow");
    }
  }
}
