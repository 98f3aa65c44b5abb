#!/usr/bin/env bash
# Creates or updates the project's Python venv (.venv, git-ignored) with Airflow 3, the Spark
# provider and pytest, pinned by pipelines/constraints.txt. Idempotent: does nothing when the venv
# already matches requirements.txt and constraints.txt.
#   pipelines/setup-venv.sh            (PYTHON picks the interpreter, default python3; 3.10-3.13)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.duet-requirements"
want="$(cat "$root/pipelines/requirements.txt" "$root/pipelines/constraints.txt" | sha256sum | awk '{print $1}')"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/airflow" ]; then
  exit 0
fi
echo "setup-venv: installing Airflow into $venv (a few minutes the first time)" >&2
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  -r "$root/pipelines/requirements.txt" -c "$root/pipelines/constraints.txt"
echo "$want" > "$stamp"
