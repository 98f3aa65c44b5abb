package dev.duet.airflow;

/** Airflow could not be reached, refused us, or does not have what was asked for: one readable line. */
public final class AirflowException extends RuntimeException {
  public AirflowException(String message) {
    super(message);
  }
}
