#!/usr/bin/env bash
# Real-image check: every image of a pool (../shared/bench/fetch-pool.sh)
# decodes, and its dHash and thumbnail are identical across runs and
# thread counts. Scans POOL three times into separate catalogs (-j 1,
# -j 2, and -j 2 --rehash over the second) and compares the exports.
#   bench/pool-check.sh POOL_DIR
set -euo pipefail
pool=${1:?usage: bench/pool-check.sh POOL_DIR}
. "$(dirname "$0")/lib.sh"
make -s -C "$top" all >/dev/null
db=$top/bin/db
bench_tmp
for run in j1:1 j2:2; do
  name=${run%%:*}; jobs=${run#*:}
  "$db" --db "$tmp/$name.db" scan -q -j "$jobs" "$pool" 2>>"$tmp/errors" || true
done
"$db" --db "$tmp/j2.db" scan -q -j 2 --rehash "$pool" 2>>"$tmp/errors" || true
images=$(find "$pool" -type f ! -path '*/debs/*' \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.gif' -o -iname '*.webp' \) | wc -l)
for name in j1 j2; do
  "$db" --db "$tmp/$name.db" export --status all >"$tmp/$name.csv"
  sqlite3 "$tmp/$name.db" "SELECT path, hex(thumb) FROM images ORDER BY path" >"$tmp/$name.thumbs"
done
ok=$(sqlite3 "$tmp/j1.db" "SELECT count(*) FROM images WHERE status = 'ok' AND path NOT LIKE '%/debs/%'")
corrupt=$(sqlite3 "$tmp/j1.db" "SELECT count(*) FROM images WHERE status = 'corrupt' AND path NOT LIKE '%/debs/%'")
echo "pool: $images image files; decoded: $ok; failed: $corrupt"
grep -v '/debs/' "$tmp/errors" | grep -v ' files in ' || true
if cmp -s "$tmp/j1.csv" "$tmp/j2.csv" && cmp -s "$tmp/j1.thumbs" "$tmp/j2.thumbs"; then
  echo "dHash, thumbnail, XXH3 and dimensions: identical for -j 1, -j 2 and a rehash"
else
  echo "DIFFERENT between runs:"; diff "$tmp/j1.csv" "$tmp/j2.csv" | head; exit 1
fi
[ "$corrupt" -eq 0 ] && [ "$ok" -eq "$images" ]
