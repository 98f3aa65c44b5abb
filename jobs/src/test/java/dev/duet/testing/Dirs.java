package dev.duet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** File-tree helpers for tests that reuse one stage's output in another run. */
public final class Dirs {
  private Dirs() {}

  /** Copies the tree {@code from} to {@code to} (created, with its parents). */
  public static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try (var files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(from.relativize(f).toString()));
      }
    }
  }

  /** Deletes the tree {@code dir}, if there is one. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
