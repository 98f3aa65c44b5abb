#!/usr/bin/env bash
# Creates or updates the project's Python venv (.venv, git-ignored) with Airflow 3, the Spark
# provider and pytest, pinned by pipelines/constraints.txt. Idempotent: does nothing when the venv
# already matches requirements.txt and constraints.txt.
# A fresh checkout gets .venv as a link to a venv shared by the machine's checkouts and named by the
# hash of those two files (DUET_CACHE_DIR, default ~/.cache/duet): installed once per pin set, so a
# new clone does not install Airflow again. A .venv that is a real directory is updated in place.
#   pipelines/setup-venv.sh            (PYTHON picks the interpreter, default python3; 3.10-3.13)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
want="$(cat "$root/pipelines/requirements.txt" "$root/pipelines/constraints.txt" | sha256sum | awk '{print $1}')"
ready() { [ -f "$1/.duet-requirements" ] && [ "$(cat "$1/.duet-requirements")" = "$want" ] && [ -x "$1/bin/airflow" ]; }
ready "$venv" && exit 0

install() { # dir: a venv with the pinned requirements in dir, stamped with their hash
  echo "setup-venv: installing Airflow into $1 (a few minutes the first time)" >&2
  [ -x "$1/bin/python" ] || "${PYTHON:-python3}" -m venv "$1"
  "$1/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$root/pipelines/requirements.txt" -c "$root/pipelines/constraints.txt"
  echo "$want" > "$1/.duet-requirements"
}

if [ -d "$venv" ] && [ ! -L "$venv" ]; then
  install "$venv"
  exit 0
fi
cache="${DUET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/duet}"
shared="$cache/venv-${want:0:16}"
if mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; then
  (
    flock 9 # two checkouts setting up at once: one installs, the other waits and links
    ready "$shared" || install "$shared"
  ) 9>"$cache/venv.lock"
  ln -sfn "$shared" "$venv"
  echo "setup-venv: $venv -> $shared" >&2
else
  rm -f "$venv"
  install "$venv"
fi
