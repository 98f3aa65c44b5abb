package dev.duet.contracts;

/** The input data itself cannot be used (missing, empty, no rows, an unusable label); the user must fix the data. */
public final class InputException extends RuntimeException {
  public InputException(String message) {
    super(message);
  }
}
