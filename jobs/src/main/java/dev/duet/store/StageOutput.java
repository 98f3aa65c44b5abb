package dev.duet.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * One stage's output directory, published so that a crash at any step loses no finished output
 * and shows no half one. Everything is written to a hidden work sibling
 * ({@code .<stage>.<uuid>.tmp}); {@link #publish} then
 * <ol>
 *   <li>copies the carried directories in (state that outlives failed attempts, such as train-dl's
 *       checkpoints: {@code <run>/<stage>.<name>}, kept until the output holding them is finished),</li>
 *   <li>writes the manifest and {@code _READY}: every file of the output with its length,</li>
 *   <li>renames an earlier output aside ({@code .<stage>.<uuid>.old}), the work dir into place,</li>
 *   <li>creates {@code _SUCCESS}, and only then deletes the old output and the carried directories.</li>
 * </ol>
 * Readers trust a stage directory only when {@code _SUCCESS} is there. {@link #recover} (run
 * before anything else touches the stage) finishes a publish that a crash cut short after step 2
 * (a work dir whose files match its {@code _READY} is complete) and otherwise puts the old output
 * back. Checking files against {@code _READY} rather than trusting a rename is what keeps this
 * true on S3A, whose directory rename is a copy then a delete and can stop half way.
 */
public final class StageOutput {
  public static final String SUCCESS = "_SUCCESS";
  public static final String READY = "_READY";
  public static final String MANIFEST = "manifest.json";

  private final FileSystem fs;
  private final Path runDir;
  private final String stage;
  private final Path dir;
  private final Map<String, Path> carried = new LinkedHashMap<>();
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

  /** The directory the output is published in (a run's, or for a scoring run {@code <pipeline>/score/}). */
  public Path runDir() {
    return runDir;
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

  /**
   * A directory that survives failed attempts ({@code <run>/<stage>.<name>}) and becomes
   * {@code <name>/} of the output when it is published; dropped once that output is finished.
   */
  public Path carry(String name) {
    return carried.computeIfAbsent(name, n -> new Path(runDir, stage + "." + n));
  }

  private void dropCarried() {
    carried.values().forEach(this::delete);
  }

  /**
   * Finishes or rolls back a publish that a crash interrupted, and removes what failed attempts
   * left. Call it holding the run's lease ({@link RunLease}), before {@link #isComplete}.
   */
  public void recover() {
    try {
      List<Path> attempts = siblings(".tmp");
      List<Path> old = siblings(".old");
      if (!attempts.isEmpty() || !old.isEmpty()) {
        finishInterruptedPublish(attempts, old);
        // Whole and finished with an attempt still about: that publish never began to replace it.
        for (Path leftover : siblings("")) {
          delete(leftover);
        }
      }
      if (isComplete()) {
        for (Map.Entry<String, Path> c : carried.entrySet()) {
          if (exists(new Path(dir, c.getKey()))) {
            delete(c.getValue()); // copied into the finished output; a crash came before the delete
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot recover " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A publish may have been under way: the directory is trusted only if its files are all there. */
  private void finishInterruptedPublish(List<Path> attempts, List<Path> old) throws IOException {
    boolean whole = exists(dir) && (matchesReady(dir) || isComplete() && !exists(new Path(dir, READY)));
    if (whole && isComplete()) {
      return;
    }
    Optional<Path> ready = newest(attempts, this::matchesReady);
    Optional<Path> previous = newest(old, p -> exists(new Path(p, SUCCESS)));
    if (ready.isPresent()) {
      // The crash came after _READY: the new output is whole. A directory in its place without
      // all its files is a rename that stopped half way (S3A).
      delete(dir);
      rename(ready.get(), dir);
      markSuccess();
    } else if (whole) {
      markSuccess(); // renamed into place, _SUCCESS not yet written
    } else if (previous.isPresent()) {
      delete(dir);
      rename(previous.get(), dir); // renamed aside, and nothing whole replaced it
    }
  }

  private Optional<Path> newest(List<Path> candidates, Predicate<Path> usable) {
    return candidates.stream().filter(usable).max(Comparator.comparingLong(this::modificationTime));
  }

  /** Starts a fresh attempt and returns its work dir (run {@link #recover} first). */
  public Path begin() {
    try {
      work = sibling(".tmp");
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

  public void writeBytes(String name, byte[] bytes) {
    try (java.io.OutputStream out = fs.create(work(name), true)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + work(name) + ": " + e.getMessage(), e);
    }
  }

  /** Writes the manifest and moves the work dir into place (see the class comment for the steps). */
  public void publish(JsonNode manifest) {
    try {
      for (Map.Entry<String, Path> c : carried.entrySet()) {
        if (exists(c.getValue()) && !FileUtil.copy(fs, c.getValue(), fs, work(c.getKey()), false, fs.getConf())) {
          throw new IOException("copy of " + c.getValue() + " failed");
        }
      }
      writeJson(MANIFEST, manifest);
      Json.write(fs, work(READY), listing(work));
      Path old = null;
      if (exists(dir)) {
        old = sibling(".old");
        rename(dir, old);
      }
      rename(work, dir);
      work = null;
      markSuccess();
      if (old != null) {
        delete(old);
      }
      dropCarried();
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
      // recover() removes it next time; the failure being reported matters more.
    }
    work = null;
  }

  private void markSuccess() throws IOException {
    fs.create(new Path(dir, SUCCESS), true).close();
  }

  /** Every file under {@code root} (but _READY and _SUCCESS) with its length. */
  private ObjectNode listing(Path root) throws IOException {
    ObjectNode files = Json.object();
    String prefix = root.toUri().getPath() + "/";
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String rel = f.getPath().toUri().getPath().substring(prefix.length());
      if (!rel.equals(READY) && !rel.equals(SUCCESS)) {
        files.put(rel, f.getLen());
      }
    }
    ObjectNode doc = Json.object();
    doc.set("files", files);
    return doc;
  }

  /** Whether {@code root} holds a readable _READY and exactly the files it lists, at their lengths. */
  private boolean matchesReady(Path root) {
    try {
      Path ready = new Path(root, READY);
      if (!fs.exists(ready)) {
        return false;
      }
      return lengths(Json.read(fs, ready)).equals(lengths(listing(root)));
    } catch (IOException | UncheckedIOException e) {
      return false; // a _READY cut short: that attempt never got ready
    }
  }

  private static Map<String, Long> lengths(JsonNode listing) {
    Map<String, Long> lengths = new java.util.HashMap<>();
    listing.path("files").fields().forEachRemaining(f -> lengths.put(f.getKey(), f.getValue().asLong()));
    return lengths;
  }

  private List<Path> siblings(String suffix) throws IOException {
    List<Path> found = new ArrayList<>();
    FileStatus[] matches = fs.globStatus(new Path(runDir, "." + stage + ".*" + suffix));
    if (matches != null) {
      for (FileStatus s : matches) {
        found.add(s.getPath());
      }
    }
    return found;
  }

  private Path sibling(String suffix) {
    return new Path(runDir, "." + stage + "." + UUID.randomUUID() + suffix);
  }

  private long modificationTime(Path p) {
    try {
      return fs.getFileStatus(p).getModificationTime();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename " + from + " -> " + to + " failed");
    }
  }

  private void delete(Path p) {
    try {
      fs.delete(p, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + p + ": " + e.getMessage(), e);
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
