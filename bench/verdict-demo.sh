#!/usr/bin/env bash
# The verdict benchmark (not a test): the three shipped pipelines, one kind of data each (flights:
# tabular, mnist: images, spam: text), run whole at their demo settings, then `duet verdict` over
# them. Prints each run's wall time; the page is <store>/verdict/report.html (the run of 2026-12-02
# is kept in bench/results/verdict/). About 80 min on 2 cores (40 + 21 + 18, measured 2026-12-02)
# with no budget, as published; with the configs' first-run budgets (`default`) 17 min.
#   bench/verdict-demo.sh [store] [budget]    (default: ./artifacts none; budget: 3m, default, ...)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
store="${1:-artifacts}"
budget="${2:-none}"
budget_option=()
if [ "$budget" != default ]; then budget_option=(--budget "$budget"); fi
deploy/fetch-sample-data.sh
for pipeline in flights mnist spam; do
  start=$(date +%s)
  ./duet run --config "conf/$pipeline.yaml" --store "$store" "${budget_option[@]}"
  echo "verdict-demo: $pipeline run took $(( $(date +%s) - start )) s"
done
./duet verdict --store "$store"
