#!/usr/bin/env bash
# Ingest benchmark (not a test): Duet's ingest of the 3M flights as CSV against a bare Spark job
# that only reads the same CSV and writes Parquet, alternately in one JVM and Spark session.
#   bench/ingest-vs-bare.sh [rounds]      (default 3, after one warm-up round)
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" IngestBench.java "${1:-3}"
