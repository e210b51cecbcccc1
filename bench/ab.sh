#!/usr/bin/env bash
# Two builds of winnow side by side on the same files, for a change that
# should cost nothing (a refactor): resize, dedup and augment, each build
# in turn within every round (who goes first alternates), fresh outputs and
# catalogs each time; medians of ROUNDS and the ratio B / A.
#
#   bench/ab.sh BIN_A BIN_B CORPUS [ROUNDS] [FILES]
#   bench/ab.sh /tmp/before-bin bin CORPUS 7
#
# BIN_A and BIN_B are folders of winnow binaries (keep a copy of bin/ from
# before the change). CORPUS is what ../shared/bench/make-corpus.py made:
#   resize   FILES JPEGs of CORPUS/scale (default 500) to 320 px, -j 2
#   dedup    CORPUS/dedup/train, a full run (exact and near), -j 2
#   augment  the Keras example pipeline, 2 samples of each resized image
set -euo pipefail
usage="usage: bench/ab.sh BIN_A BIN_B CORPUS [ROUNDS] [FILES]"
a=$(cd "${1:?$usage}" && pwd)
b=$(cd "${2:?$usage}" && pwd)
corpus=$(cd "${3:?$usage}" && pwd)
rounds=${4:-5}
files=${5:-500}
. "$(dirname "$0")/lib.sh"
bench_tmp

link_jpegs "$corpus/scale" "$files" "$tmp/raw/all"
"$a/resize" -q -j 2 --path "$tmp/raw" --out "$tmp/small" --db "$tmp/small.db" 2>/dev/null
pipeline=$top/examples/keras-seed002.pipeline

run() {  # run BIN STEP: one timed step on fresh outputs
  local bin=$1 step=$2 w=$tmp/w
  rm -rf "$w"
  mkdir -p "$w"
  case $step in
    resize) seconds "$bin/resize" -q -j 2 --path "$tmp/raw" --out "$w/out" --db "$w/c.db" ;;
    dedup) seconds "$bin/dedup" -q -j 2 --path "$corpus/dedup/train" --db "$w/c.db" --format csv ;;
    augment) seconds "$bin/augment" -q -j 2 --path "$tmp/small" --out "$w/out" \
               --pipeline "$pipeline" --samples 2 --db "$w/c.db" ;;
  esac
}

echo "A: $a"
echo "B: $b"
echo "$rounds rounds, $(nproc) cores; $files JPEGs for resize, $(find "$corpus/dedup/train" -type f | wc -l) files for dedup"
printf '%-8s %10s %10s %8s\n' step "A median s" "B median s" "B / A"
for step in resize dedup augment; do
  : >"$tmp/A" ; : >"$tmp/B"
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then
      run "$a" $step >>"$tmp/A"; run "$b" $step >>"$tmp/B"
    else
      run "$b" $step >>"$tmp/B"; run "$a" $step >>"$tmp/A"
    fi
  done
  ma=$(median <"$tmp/A"); mb=$(median <"$tmp/B")
  printf '%-8s %10.3f %10.3f %8.3f\n' $step "$ma" "$mb" "$(ratio "$mb" "$ma")"
done
