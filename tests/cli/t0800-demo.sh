#!/usr/bin/env bash
# make demo's script, end to end in a scratch folder: every step runs and
# the report is written.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"

test_expect 'the demo runs the whole pipeline on real images' '
  PATH="$PATH" bash "$top/demo/run.sh" "$scratch/demo" >out 2>&1
  for s in "scraper --urls" "resize --path" "dedup --path" "augment --path" "label predict" \
           "label train" "label suspects" "db report"; do
    grep -q "$s" out
  done
  grep -q "failed: http-404" out
  grep -q "in two class folders" out
  grep -q "cross-validated accuracy" out
  test -s "$scratch/demo/report.html"
  grep -q "<svg class=chart" "$scratch/demo/report.html"
'

test_done
