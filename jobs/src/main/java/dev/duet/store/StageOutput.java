package dev.duet.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One stage's output directory, published atomically: everything is written to a hidden
 * temporary sibling ({@code .<stage>.<uuid>.tmp}), renamed into place, and only then marked
 * with {@code _SUCCESS}. Readers trust a stage directory only when {@code _SUCCESS} is there,
 * so a crash at any point leaves nothing that looks finished.
 */
public final class StageOutput {
  public static final String SUCCESS = "_SUCCESS";
  public static final String MANIFEST = "manifest.json";

  private final FileSystem fs;
  private final Path runDir;
  private final String stage;
  private final Path dir;
  private Path work;

  StageOutput(FileSystem fs, Path runDir, String stage) {
    this.fs = fs;
    this.runDir = runDir;
    this.stage = stage;
    this.dir = new Path(runDir, stage);
  }

  public String stage() {
    return stage;
  }

  public FileSystem fs() {
    return fs;
  }

  /** Where the published stage lives. */
  public Path dir() {
    return dir;
  }

  public boolean isComplete() {
    return exists(new Path(dir, SUCCESS));
  }

  /** Starts a fresh attempt: removes leftovers (.tmp, .old) of earlier crashed attempts, returns the work dir. */
  public Path begin() {
    try {
      FileStatus[] stale = fs.globStatus(new Path(runDir, "." + stage + ".*"));
      if (stale != null) {
        for (FileStatus s : stale) {
          fs.delete(s.getPath(), true);
        }
      }
      work = new Path(runDir, "." + stage + "." + UUID.randomUUID() + ".tmp");
      if (!fs.mkdirs(work)) {
        throw new IOException("mkdirs returned false");
      }
      return work;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a work directory under " + runDir + ": " + e.getMessage(), e);
    }
  }

  public Path work() {
    if (work == null) {
      throw new IllegalStateException("begin() first");
    }
    return work;
  }

  public Path work(String child) {
    return new Path(work(), child);
  }

  public void writeJson(String name, JsonNode doc) {
    Json.write(fs, work(name), doc);
  }

  /** Writes the manifest, moves the work dir into place (replacing an older attempt), marks success. */
  public void publish(JsonNode manifest) {
    writeJson(MANIFEST, manifest);
    try {
      Path old = null;
      if (fs.exists(dir)) {
        old = new Path(runDir, "." + stage + "." + UUID.randomUUID() + ".old");
        rename(dir, old);
      }
      rename(work, dir);
      work = null;
      if (old != null) {
        fs.delete(old, true);
      }
      fs.create(new Path(dir, SUCCESS), true).close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot publish " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Drops the work dir of a failed attempt; the published directory (if any) is left as it was. */
  public void abort() {
    if (work == null) {
      return;
    }
    try {
      fs.delete(work, true);
    } catch (IOException e) {
      // The next begin() removes it; the failure being reported matters more.
    }
    work = null;
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename " + from + " -> " + to + " failed");
    }
  }

  private boolean exists(Path p) {
    try {
      return fs.exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + p + ": " + e.getMessage(), e);
    }
  }
}
