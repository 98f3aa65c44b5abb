package dev.duet.testing;

import java.io.PrintWriter;
import java.io.StringWriter;

/** What one CLI invocation printed and returned. */
public record Cli(int exitCode, String out, String err) {
  public interface Invocation {
    int run(PrintWriter out, PrintWriter err);
  }

  public static Cli capture(Invocation invocation) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = invocation.run(new PrintWriter(out, true), new PrintWriter(err, true));
    return new Cli(code, out.toString(), err.toString());
  }

  public java.util.List<String> errLines() {
    return err.lines().filter(l -> !l.isBlank()).toList();
  }
}
