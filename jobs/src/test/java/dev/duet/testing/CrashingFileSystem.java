package dev.duet.testing;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A real file system that dies at its {@code crashAt}-th change (create, rename, delete, mkdirs,
 * setTimes), as a killed process would: that change and every later one fail, and a file whose
 * create is the one that dies is left cut short after a few bytes. What was done before stays
 * done, so the store is left exactly as a crash at that step leaves it.
 */
public final class CrashingFileSystem extends FilterFileSystem {
  private int changesLeft;
  private boolean crashed;

  /** @param crashAt the number of changes that succeed before the crash; negative: never crash */
  public CrashingFileSystem(FileSystem real, int crashAt) {
    super(real);
    this.changesLeft = crashAt;
    setConf(real.getConf());
  }

  /** Whether the crash happened (false: the work finished within {@code crashAt} changes). */
  public boolean crashed() {
    return crashed;
  }

  private boolean dies() {
    if (crashed) {
      return true;
    }
    if (changesLeft == 0) {
      crashed = true;
      return true;
    }
    if (changesLeft > 0) {
      changesLeft--;
    }
    return false;
  }

  /** A change that is not a create: it either happens whole or, from the crash on, not at all. */
  private void dieHere(String what, Path p) throws IOException {
    if (dies()) {
      throw crash(what, p);
    }
  }

  private IOException crash(String what, Path p) {
    return new IOException("injected crash at " + what + " " + p);
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    boolean dies = dies();
    FSDataOutputStream real = super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    if (!dies) {
      return real;
    }
    // Dies while writing: the first bytes reach the file, then nothing more does.
    return new FSDataOutputStream(new OutputStream() {
      private int written;

      @Override
      public void write(int b) throws IOException {
        if (written++ >= 4) {
          real.close();
          throw crash("write of", f);
        }
        real.write(b);
      }

      @Override
      public void close() throws IOException {
        real.close();
        throw crash("close of", f);
      }
    }, null);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    dieHere("rename of", src);
    return super.rename(src, dst);
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    dieHere("delete of", f);
    return super.delete(f, recursive);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    dieHere("mkdirs of", f);
    return super.mkdirs(f, permission);
  }

  @Override
  public void setTimes(Path p, long mtime, long atime) throws IOException {
    dieHere("setTimes of", p);
    super.setTimes(p, mtime, atime);
  }
}
