#!/usr/bin/env bash
# Records what winnow's commands write on a corpus, so that a change meant
# to alter no behaviour (a refactor) can be shown to alter none:
#
#   bench/nochange.sh BIN CORPUS OUT [FILES]
#   bench/nochange.sh before-bin CORPUS /tmp/before
#   bench/nochange.sh bin        CORPUS /tmp/after
#   diff -r /tmp/before/record /tmp/after/record && echo identical
#
# BIN is a folder of winnow binaries (keep a copy of bin/ from before the
# change); CORPUS is what ../shared/bench/make-corpus.py made (its scale/
# and dedup/ sets). Under OUT/record it keeps, per step, the command's
# output files as a sorted list of XXH3-128 sums, and its printed CSV:
#   resize      scale/ (FILES JPEGs, default 1000) to 320 px JPEGs
#   augment     both example pipelines, 2 samples per resized image
#   dedup       --format csv on dedup/train
#   predict     label predict --format csv on the resized images
#   export      db export --status all of each catalog
# Catalog timestamps are not compared (db export prints none). Needs the
# models (make model) and xxhsum.
set -euo pipefail
bin=$(cd "${1:?usage: bench/nochange.sh BIN CORPUS OUT [FILES]}" && pwd)
corpus=$(cd "${2:?usage: bench/nochange.sh BIN CORPUS OUT [FILES]}" && pwd)
out=${3:?usage: bench/nochange.sh BIN CORPUS OUT [FILES]}
files=${4:-1000}
top=$(cd "$(dirname "$0")/.." && pwd)
export WINNOW_MODELS=${WINNOW_MODELS:-$top/models}

rm -rf "$out"
mkdir -p "$out/record" "$out/work"
out=$(cd "$out" && pwd)
rec=$out/record
work=$out/work

# sums DIR: one line per file, path below DIR and XXH3-128, sorted
sums() {
  (cd "$1" && find . -type f ! -name '*.db' ! -name '*.db-*' ! -name '.*' -print0 |
    sort -z | xargs -0 -r xxhsum -H2 | awk '{ print $2, $1 }')
}

# The inputs: FILES JPEGs of the scale set in name order, by class.
mkdir -p "$work/raw"
(cd "$corpus/scale" && find . -type f -iname '*.jpg' | sort | sed -n "1,${files}p") |
  while read -r f; do
    mkdir -p "$work/raw/$(dirname "$f")"
    cp "$corpus/scale/$f" "$work/raw/$f"
  done
cp -r "$corpus/dedup/train" "$work/dedup"

# Relative paths, so that two records of different folders compare.
cd "$work"
"$bin/resize" -q -j 2 --path raw --out small --db small.db
sums small > "$rec/resize.sums"

for p in "$top"/examples/*.pipeline; do
  name=$(basename "$p" .pipeline)
  "$bin/augment" -q -j 2 --path small --out aug-$name --pipeline "$p" \
    --samples 2 --seed 7 --db aug-$name.db
  sums aug-$name > "$rec/augment-$name.sums"
done

"$bin/dedup" -q -j 2 --path dedup --format csv --db dedup.db > "$rec/dedup.csv"
"$bin/label" predict -q -j 2 --path small --format csv --db small.db > "$rec/predict.csv"

for db in small dedup; do
  "$bin/db" export --status all --db $db.db > "$rec/export-$db.csv"
done
for p in "$top"/examples/*.pipeline; do
  name=$(basename "$p" .pipeline)
  "$bin/db" export --status all --db aug-$name.db > "$rec/export-aug-$name.csv"
done
wc -l "$rec"/* | sed '$d'
