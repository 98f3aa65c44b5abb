#!/usr/bin/env bash
# The budget benchmark (not a test): each shipped pipeline run whole at several budgets per family,
# then one table: each family's best test score, the winner, what each family spent, the run's wall
# time, against the issue's targets (flights at 10m: classic ROC AUC >= 0.83, network >= 0.77;
# mnist at 10m: network accuracy >= 0.975; the shipped default budget: the run <= 600 s).
# The anytime charts are each run's <store>/<pipeline>/<run>/evaluate/plots/anytime.png.
#   bench/budget.sh [store] [pipelines] [budgets]
#   default: bench/out/budget "flights mnist spam" "default 1m 3m 10m 30m" (~5 h on 2 cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
store="${1:-bench/out/budget}"
pipelines="${2:-flights mnist spam}"
budgets="${3:-default 1m 3m 10m 30m}"
deploy/fetch-sample-data.sh
mkdir -p "$store"
: > "$store.walls"
./duet --help >/dev/null # builds once, outside the timings
for pipeline in $pipelines; do
  for budget in $budgets; do
    option=()
    if [ "$budget" != default ]; then option=(--budget "$budget"); fi
    start=$(date +%s)
    ./duet run --config "conf/$pipeline.yaml" --store "$store" --run-id "budget-$budget" "${option[@]}" \
      > "$store.$pipeline.$budget.log" 2>&1
    echo "$pipeline $budget $(( $(date +%s) - start ))" >> "$store.walls"
  done
done
python3 - "$store" <<'PY'
import json, sys
store = sys.argv[1]
targets = {("flights", "10m"): (0.83, 0.77), ("mnist", "10m"): (None, 0.975)}
print(f"{'pipeline':9} {'budget':8} {'wall s':>7} {'metric':9} {'best classic':>22} {'best network':>18} {'winner':10} spent (classic / deep, s)")
for line in open(store + ".walls"):
    pipeline, budget, wall = line.split()
    r = json.load(open(f"{store}/{pipeline}/budget-{budget}/evaluate/report.json"))
    best = {}
    for e in r["leaderboard"]:
        best.setdefault(e["family"], e)
    c, d = best.get("classic ML"), best.get("deep learning")
    b = r.get("budget", {})
    spent = " / ".join(str(round(b.get(f, {}).get("seconds", float("nan")))) for f in ("classic_ml", "deep_learning"))
    fmt = lambda e: f"{e['model']} {e['score']:.4f}" if e else "-"
    notes = []
    want = targets.get((pipeline, budget))
    if want and want[0] is not None and c: notes.append(f"classic target {want[0]}: {'met' if c['score'] >= want[0] else 'MISSED'}")
    if want and d: notes.append(f"network target {want[1]}: {'met' if d['score'] >= want[1] else 'MISSED'}")
    if budget == "default": notes.append(f"<= 600 s: {'met' if int(wall) <= 600 else 'MISSED'}")
    print(f"{pipeline:9} {budget:8} {wall:>7} {r['metric']:9} {fmt(c):>22} {fmt(d):>18} {r.get('winner', '-'):10} {spent}  {'; '.join(notes)}")
PY
