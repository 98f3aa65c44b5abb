package dev.duet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** A Spark application's event log (spark.eventLog.enabled): where its tasks ran, which executors it lost. */
public final class EventLog {
  private final List<JsonNode> events;
  private final Map<Integer, String> stageNames = new HashMap<>();
  private final Map<Integer, String> stageJobGroups = new HashMap<>();

  private EventLog(List<JsonNode> events) {
    this.events = events;
    events.stream().filter(e -> e.path("Event").asText().equals("SparkListenerStageSubmitted"))
        .forEach(e -> {
          int stage = e.at("/Stage Info/Stage ID").asInt();
          stageNames.put(stage, e.at("/Stage Info/Stage Name").asText());
          stageJobGroups.put(stage, e.at("/Properties/spark.jobGroup.id").asText());
        });
  }

  /** The one application logged in {@code dir} (finished, or cut off by a killed driver). */
  public static EventLog onlyIn(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      List<Path> logs = files.filter(Files::isRegularFile).toList();
      if (logs.size() != 1) {
        throw new IllegalStateException("expected one event log in " + dir + ", found " + logs);
      }
      ObjectMapper json = new ObjectMapper();
      List<String> lines = Files.readAllLines(logs.get(0));
      List<JsonNode> events = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        try {
          events.add(json.readTree(lines.get(i)));
        } catch (IOException e) {
          // A driver killed mid-write leaves its last event half written; any other line is a broken log.
          if (i < lines.size() - 1) {
            throw new UncheckedIOException(logs.get(0) + " line " + (i + 1), e);
          }
        }
      }
      return new EventLog(events);
    }
  }

  /**
   * Events of one kind logged so far in {@code dir}'s one log, found by text rather than parsed
   * (cheap enough to poll while the application runs); 0 while there is no log yet.
   */
  public static long count(Path dir, String event) {
    String field = "{\"Event\":\"" + event + "\"";
    try (var files = Files.list(dir)) {
      List<Path> logs = files.filter(Files::isRegularFile).toList();
      if (logs.size() != 1) {
        return 0;
      }
      try (var lines = Files.lines(logs.get(0))) {
        return lines.filter(l -> l.startsWith(field)).count();
      }
    } catch (IOException | UncheckedIOException e) {
      return 0; // the log is being written; the next poll reads it again
    }
  }

  /** Executors that were given a GPU (Spark's "gpu" resource). */
  public Set<String> gpuExecutors() {
    return of("SparkListenerExecutorAdded").filter(e -> e.at("/Executor Info/Resources/gpu/addresses").size() > 0)
        .map(e -> e.path("Executor ID").asText()).collect(Collectors.toSet());
  }

  public long executorsAdded() {
    return of("SparkListenerExecutorAdded").count();
  }

  public long executorsRemoved() {
    return of("SparkListenerExecutorRemoved").count();
  }

  /** Executors that ran (successfully or not) tasks of stages whose call site contains {@code site}. */
  public Set<String> executorsRunning(String site) {
    return tasksOf(site).map(e -> e.at("/Task Info/Executor ID").asText()).collect(Collectors.toSet());
  }

  /** Tasks that failed because their executor was lost, in jobs of groups starting {@code group} (Duet's
   * stages name their job groups {@code <stage>:<step>}). */
  public long tasksLostWithTheirExecutor(String group) {
    return of("SparkListenerTaskEnd")
        .filter(e -> stageJobGroups.getOrDefault(e.path("Stage ID").asInt(), "").startsWith(group))
        .filter(e -> e.at("/Task End Reason/Reason").asText().equals("ExecutorLostFailure")).count();
  }

  private java.util.stream.Stream<JsonNode> tasksOf(String site) {
    return of("SparkListenerTaskEnd").filter(e -> stageNames.getOrDefault(e.path("Stage ID").asInt(), "").contains(site));
  }

  private java.util.stream.Stream<JsonNode> of(String event) {
    return events.stream().filter(e -> e.path("Event").asText().equals(event));
  }
}
