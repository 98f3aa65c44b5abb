package dev.duet.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One process's hold on one stage of one run ({@code <run>/.leases/<stage>.<n>}), so that a second
 * process on the same run id (an Airflow retry while the first attempt still runs, two users) is
 * refused instead of deleting the first one's files.
 *
 * <p>Leases are numbered and a number is never reused: taking the stage means creating the file
 * one above the highest there (a create that fails if the file exists, so of two racers one wins),
 * then finding no higher one. The holder touches its file every {@code ttl / 4}; a lease is free when
 * it was released ({@code .released}), when its process is gone (same host, pid not alive) or when
 * it was not touched for {@code ttl} (another host: its clock is compared with the store's file
 * times, so keep the hosts' clocks in sync). The TTL is {@value #TTL_PROPERTY} (seconds, default
 * 120). On S3A (Hadoop 3.3) a create that must not overwrite is a check then a put, so two racers
 * started within the same instant can both win there; file:// and hdfs:// are exact ({@link Json#createNew}).
 */
public final class RunLease implements AutoCloseable {
  public static final String DIR = ".leases";
  public static final String TTL_PROPERTY = "duet.lease.ttl.seconds";
  private static final Pattern NAME = Pattern.compile("(.+)\\.(\\d+)(\\.released)?");

  private final FileSystem fs;
  private final Path file;
  private final String stage;
  private final ScheduledExecutorService heartbeat;

  private RunLease(FileSystem fs, Path file, String stage, Duration ttl) {
    this.fs = fs;
    this.file = file;
    this.stage = stage;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "duet-lease-" + file.getName());
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(1, ttl.toMillis() / 4);
    heartbeat.scheduleAtFixedRate(this::touch, every, every, TimeUnit.MILLISECONDS);
  }

  /** Takes the stage of the run in {@code runDir}, or throws {@link LeaseHeldException} naming the holder. */
  public static RunLease acquire(FileSystem fs, Path runDir, String stage) {
    Duration ttl = Duration.ofSeconds(Long.getLong(TTL_PROPERTY, 120));
    Path dir = new Path(runDir, DIR);
    try {
      fs.mkdirs(dir);
      for (int attempt = 0; attempt < 10; attempt++) {
        TreeMap<Long, FileStatus> leases = leases(fs, dir, stage);
        Map.Entry<Long, FileStatus> last = leases.lastEntry();
        if (last != null && !isFree(fs, last.getValue(), ttl)) {
          throw held(fs, last.getValue(), stage, runDir, ttl);
        }
        long next = last == null ? 1 : last.getKey() + 1;
        Path mine = new Path(dir, stage + "." + next);
        if (!Json.createNew(fs, mine, holder(stage))) {
          continue; // another process took this number first: look again
        }
        TreeMap<Long, FileStatus> after = leases(fs, dir, stage);
        if (after.lastKey() > next) {
          fs.delete(mine, false); // a racer that saw the same free lease went higher: it holds the stage
          continue;
        }
        for (FileStatus older : after.headMap(next).values()) {
          fs.delete(older.getPath(), false);
        }
        return new RunLease(fs, mine, stage, ttl);
      }
      throw new IOException("the lease of " + stage + " kept changing hands");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot take the lease of " + stage + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  /** Whether this process still holds the stage (no one took it over after a missed heartbeat). */
  public void verify() {
    try {
      TreeMap<Long, FileStatus> leases = leases(fs, file.getParent(), stage);
      if (!fs.exists(file) || !file.getName().equals(leases.lastEntry().getValue().getPath().getName())) {
        throw new IllegalStateException("Lost the lease " + file + ": another process took this stage over after this"
            + " one missed its heartbeats; not publishing");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check the lease " + file + ": " + e.getMessage(), e);
    }
  }

  /** Releases the stage: the file is kept, renamed, so that its number is never taken again. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      fs.rename(file, new Path(file.getParent(), file.getName() + ".released"));
    } catch (IOException e) {
      // The lease then expires after its TTL; the stage's own outcome matters more.
    }
  }

  private void touch() {
    try {
      fs.setTimes(file, System.currentTimeMillis(), -1);
    } catch (IOException | RuntimeException e) {
      // A missed beat: the next one retries, and verify() catches a lease lost meanwhile.
    }
  }

  private static TreeMap<Long, FileStatus> leases(FileSystem fs, Path dir, String stage) throws IOException {
    TreeMap<Long, FileStatus> byNumber = new TreeMap<>();
    for (FileStatus f : fs.listStatus(dir)) {
      Matcher m = NAME.matcher(f.getPath().getName());
      if (m.matches() && m.group(1).equals(stage)) {
        byNumber.put(Long.parseLong(m.group(2)), f);
      }
    }
    return byNumber;
  }

  private static boolean isFree(FileSystem fs, FileStatus lease, Duration ttl) {
    if (lease.getPath().getName().endsWith(".released")) {
      return true;
    }
    if (System.currentTimeMillis() - lease.getModificationTime() > ttl.toMillis()) {
      return true;
    }
    JsonNode holder = readHolder(fs, lease.getPath());
    if (holder == null) {
      return false; // being written this instant: not free yet
    }
    return localHost().equals(holder.path("host").asText())
        && ProcessHandle.of(holder.path("pid").asLong()).map(p -> !p.isAlive()).orElse(true);
  }

  private static LeaseHeldException held(FileSystem fs, FileStatus lease, String stage, Path runDir, Duration ttl) {
    JsonNode holder = readHolder(fs, lease.getPath());
    String who = holder == null ? "another process"
        : "pid " + holder.path("pid").asText() + " on " + holder.path("host").asText() + " since "
            + holder.path("acquired_at").asText();
    return new LeaseHeldException(stage + " of run " + runDir.getName() + " is being run by " + who + " (lease "
        + lease.getPath() + "): wait for it, or stop it; a lease whose process died is free at once on its host"
        + " and after " + ttl.toSeconds() + " s without a heartbeat elsewhere");
  }

  private static JsonNode readHolder(FileSystem fs, Path lease) {
    try {
      return Json.read(fs, lease);
    } catch (UncheckedIOException e) {
      return null;
    }
  }

  private static ObjectNode holder(String stage) {
    ObjectNode h = Json.object();
    h.put("stage", stage);
    h.put("pid", ProcessHandle.current().pid());
    h.put("host", localHost());
    h.put("acquired_at", Instant.now().toString());
    return h;
  }

  private static String localHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
