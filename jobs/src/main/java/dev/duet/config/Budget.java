package dev.duet.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wall-clock each training stage (each family) may spend, the same for both: {@code 90s},
 * {@code 4m}, {@code 1h30m}, or {@code none} (each family spends what its section asks for).
 * From the config's {@code budget:} or {@code --budget} on run, train-ml and train-dl.
 */
public record Budget(Optional<Duration> limit) {
  public static final Budget NONE = new Budget(Optional.empty());
  private static final Pattern DURATION = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

  /**
   * A budget as written in the config or on the command line.
   *
   * @throws IllegalArgumentException with a sentence saying what would do
   */
  public static Budget parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("none")) {
      return NONE;
    }
    Matcher m = DURATION.matcher(t);
    if (t.isEmpty() || !m.matches()) {
      throw new IllegalArgumentException("Cannot read budget '" + text
          + "': give a duration such as 90s, 4m, 1h or 1h30m, or none");
    }
    Duration d = Duration.ofHours(part(m, 1)).plusMinutes(part(m, 2)).plusSeconds(part(m, 3));
    if (d.isZero()) {
      throw new IllegalArgumentException("Cannot set budget to '" + text + "': a stage needs at least 1s (or none)");
    }
    return new Budget(Optional.of(d));
  }

  private static long part(Matcher m, int group) {
    return m.group(group) == null ? 0 : Long.parseLong(m.group(group));
  }

  public boolean limited() {
    return limit.isPresent();
  }

  /** Seconds, or null when there is no budget. */
  public Double seconds() {
    return limit.map(d -> (double) d.toSeconds()).orElse(null);
  }

  @Override
  public String toString() {
    if (limit.isEmpty()) {
      return "none";
    }
    long s = limit.get().toSeconds();
    return (s >= 3600 ? s / 3600 + "h" : "") + (s % 3600 >= 60 ? s % 3600 / 60 + "m" : "") + (s % 60 > 0 ? s % 60 + "s" : "");
  }
}
