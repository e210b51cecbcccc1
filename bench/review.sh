#!/usr/bin/env bash
# label review with a large session: N suspects (default 10000), made
# from synthetic images with seeded random out-of-sample probabilities
# written straight into the catalog (no model run), reviewed with
# --top N. Prints the server's start-up time, the time to the first card
# in headless Chromium (median and worst of ROUNDS page loads, default 5,
# each without a cache), and how long stepping to the next card takes
# (median and worst of 30; thumbnails of the next cards are prefetched).
# The test suite does not time the page (t0720 checks what it shows);
# this does.
#
#   bench/review.sh [N [ROUNDS]]
set -euo pipefail
n=${1:-10000}
rounds=${2:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top" all build/tests/mkfixtures >/dev/null
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
cd "$tmp"
"$top/build/tests/mkfixtures" dataset ds 7 $((n / 2)) 0 cats dogs
"$top/bin/db" scan -q ds 2>/dev/null
/usr/bin/python3 - <<'PY'
import random, sqlite3, struct
db = sqlite3.connect("winnow.db")
rng = random.Random(1)
rows = []
for image_id, xxh3 in db.execute("SELECT id, xxh3 FROM images WHERE status = 'ok'"):
    p = rng.random()
    rows.append((image_id, "cv:mobilenet_v2", "default", xxh3, '["cats","dogs"]',
                 struct.pack("<2f", p, 1 - p), None, 0))
db.executemany("INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.commit()
PY
t0=$(date +%s.%N)
"$top/bin/label" review --path ds --top "$n" >url 2>err &
server=$!
while [ ! -s url ]; do sleep 0.02; done
t1=$(date +%s.%N)
echo "label review: $(cat err)"
echo "start-up until the address is printed: $(echo "($t1 - $t0) * 1000" | bc -l | cut -d. -f1) ms"
node "$top/bench/review_nav.js" "$(cat url)" 30 "$rounds"
