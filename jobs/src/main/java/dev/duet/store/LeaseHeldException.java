package dev.duet.store;

/** Another live process runs this stage of this run id: a usage error (exit 2), not a failure. */
public final class LeaseHeldException extends RuntimeException {
  public LeaseHeldException(String message) {
    super(message);
  }
}
