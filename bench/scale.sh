#!/usr/bin/env bash
# The catalog commands at scale, on a synthetic catalog of N images made
# by bench/make-catalog.py (no image files; label's images are empty
# placeholders): wall time and peak memory of each, one line a command:
#
#   scale: COMMAND N seconds peak_MB
#
# and to stderr the CPU time (user + system) with the load average:
#
#   scale-cpu: COMMAND N cpu_seconds (load L)
#
#   bench/scale.sh N [DIR]
#
# DIR keeps the catalog between runs (default: a temporary folder); a
# catalog already there for N is reused. label train and label suspects
# run up to N = 300,000 (the issue's label sizes), on embeddings and
# middle layers (what label train reads by default) for every image.
# dedup runs with --catalog-only: the near, mirrored and rotated search
# and the grouping on the catalogued hashes, no file read.
# SCALE_ONLY="dedup split" runs only the commands whose names hold one of
# those words.
set -euo pipefail
n=${1:?usage: bench/scale.sh N [DIR]}
. "$(dirname "$0")/lib.sh"
make -s -C "$top" all >/dev/null
if [ -n "${2:-}" ]; then dir=$2/$n; mkdir -p "$dir"; else bench_tmp; dir=$tmp; fi
emb=$(( n <= 300000 ? n : 0 ))
if [ ! -f "$dir/w.db" ]; then
  /usr/bin/python3 "$top/bench/make-catalog.py" "$dir/w.db" "$n" --embeddings "$emb" $([ "$emb" -gt 0 ] && echo --mid) >&2
fi
cd "$dir"
if [ "$emb" -gt 0 ] && [ "$(sqlite3 w.db "SELECT count(*) FROM predictions WHERE model = 'mid:mobilenet_v2'")" -eq 0 ]; then
  echo "scale: $dir/w.db has no middle layer (made before make-catalog.py --mid): label train times --features last" >&2
fi

# run NAME CMD...: one line, from GNU time's wall clock and peak RSS.
run() {
  local name=$1 rc=0 w
  shift
  if [ -n "${SCALE_ONLY:-}" ]; then
    for w in $SCALE_ONLY; do [[ $name == *"$w"* ]] && break; w=; done
    [ -n "$w" ] || return 0
  fi
  /usr/bin/time -f '%e %M %U %S' -o time.txt "$@" >out.txt 2>err.txt || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "scale: $name $n failed (exit $rc): $(tail -1 err.txt)" >&2
    return 0
  fi
  read -r secs kb user sys <time.txt
  printf 'scale: %s %d %s %.0f\n' "$name" "$n" "$secs" "$(echo "$kb / 1024" | bc -l)"
  # on a loaded machine the CPU time says more than the wall clock
  printf 'scale-cpu: %s %d %.2f (load %s)\n' "$name" "$n" "$(echo "$user + $sys" | bc -l)" \
    "$(cut -d' ' -f1 /proc/loadavg)" >&2
}

db=$top/bin/db
label=$top/bin/label
run "dedup --catalog-only" "$top/bin/dedup" --path data --db w.db --catalog-only -q --format csv
run "db stats" "$db" --db w.db stats
run "db split" "$db" --db w.db split --out splits
run "db report --html" "$db" --db w.db report --html report.html
if [ "$emb" -gt 0 ]; then
  run "label train" "$label" train --path data --db w.db
  run "label suspects" "$label" suspects --path data --db w.db --format csv
fi
