package dev.duet.store;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** A second process for RunLeaseTest: takes a stage's lease, says so, and holds it until killed. */
public final class HoldLease {
  public static void main(String[] args) throws Exception {
    RunLease lease = RunLease.acquire(FileSystem.getLocal(new Configuration()), new Path(args[0]), args[1]);
    System.out.println("held " + lease.file());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
