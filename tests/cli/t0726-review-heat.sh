#!/usr/bin/env bash
# label review's heat maps when the session starts before any head: h
# fails (the page says why), label train runs while the session serves,
# and after the retry delay (WINNOW_TEST_CAM_RETRY_MS) h and H show the
# maps in headless Chromium without a restart.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/review.sh"

review_photos
# predictions and dedup's groups, no head: the groups and the images with issues
label predict --path ds -q 2>/dev/null
dedup --path ds -q >/dev/null 2>&1 || true

WINNOW_TEST_CAM_RETRY_MS=1000 start_server --queue issues
trap 'stop_server; rm -rf "$scratch"' EXIT

test_expect 'the session started with no head' '
  test "$(sqlite3 winnow.db "SELECT count(*) FROM heads")" -eq 0
  grep -q " images with issues" server.err
'

test_expect 'in Chromium: h fails before label train, shows the maps after it and the retry delay' '
  mkdir marks
  node "$node_dir/review-heat-retry.js" "$url" marks 1000 >seen.json 2>node.err &
  pid=$!
  for _ in $(seq 1200); do
    if test -e marks/failed || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if test ! -e marks/failed; then cat node.err; fi
  test_path_is_file marks/failed
  label train --path ds >/dev/null
  touch marks/trained
  wait "$pid"
  python3 -c "
import json
s = json.load(open(\"seen.json\"))
assert s[\"errors\"] == [], s[\"errors\"]
assert \"label train\" in s[\"failed\"], s
assert s[\"answer\"][\"status\"] == 404 and \"no head for mobilenet_v2\" in s[\"answer\"][\"body\"], s
p, f = s[\"predicted\"], s[\"folder\"]
assert p[\"id\"] == s[\"id\"] and p[\"role\"] == \"predicted\" and p[\"width\"] > 0, s
assert f[\"id\"] == s[\"id\"] and f[\"role\"] == \"folder\" and f[\"cls\"] in (\"photo\", \"synth\"), s
"
'

stop_server
test_done
