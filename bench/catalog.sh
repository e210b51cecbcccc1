#!/usr/bin/env bash
# Catalog write rate: winnow's images_upsert() batched in transactions of
# 50,000 (as db scan does) against Python's sqlite3 executemany writing the
# same rows into the same schema, alternating, medians of ROUNDS.
#   bench/catalog.sh [ROWS] [ROUNDS]        (defaults 200000, 5)
set -euo pipefail
rows=${1:-200000}
rounds=${2:-5}
. "$(dirname "$0")/lib.sh"
make -s -C "$top" bench all >/dev/null
bench_tmp
for r in $(seq "$rounds"); do
  "$top/build/bench/catalog_bench" "$rows" "$tmp/w.db" | cut -d' ' -f1 >>"$tmp/w"
  rm -f "$tmp/p.db"*
  "$top/bin/db" --db "$tmp/p.db" init 2>/dev/null
  /usr/bin/python3 "$top/bench/catalog_python.py" "$rows" "$tmp/p.db" | cut -d' ' -f1 >>"$tmp/p"
done
w=$(median "$tmp/w"); p=$(median "$tmp/p")
echo "catalog writes, $rows image rows into a fresh WAL catalog, $rounds rounds"
printf '%-28s %12s\n' tool "rows/s"
printf '%-28s %12.0f\n' "winnow images_upsert" "$w"
printf '%-28s %12.0f\n' "python3 sqlite3 executemany" "$p"
printf 'ratio %.2fx\n' "$(ratio "$w" "$p")"
