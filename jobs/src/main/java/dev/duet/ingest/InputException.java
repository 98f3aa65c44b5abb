package dev.duet.ingest;

/** The input data itself cannot be ingested (missing, empty, no rows); the user must fix the input. */
public final class InputException extends RuntimeException {
  public InputException(String message) {
    super(message);
  }
}
