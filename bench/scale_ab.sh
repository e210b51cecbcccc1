#!/usr/bin/env bash
# Two builds side by side on the synthetic catalogs of bench/scale.sh:
# `dedup --catalog-only` and `db split`, each build in turn within every
# round (who goes first alternates), at each size; one line a run:
#
#   rROUND N BUILD dedup|split wall=S cpu=S peakMB=M md5=OUTPUT load=L
#
# then, per build and command, the medians at each size and the cost of
# a doubling between the first and last size ((t(last) / t(first)) ^
# (1 / log2(last / first))), wall and CPU.
#
#   bench/scale_ab.sh DIR ROUNDS "N..." BIN_A BIN_B
#   bench/scale_ab.sh /work/bench/scale 4 "300000 1000000" /tmp/before/bin bin
#
# DIR/N/w.db are bench/scale.sh's catalogs (`bench/scale.sh N DIR` makes
# one). The md5 of dedup's CSV and of the split manifests shows whether
# both builds give the same output.
set -euo pipefail
usage='usage: bench/scale_ab.sh DIR ROUNDS "N..." BIN_A BIN_B'
dir=$(cd "${1:?$usage}" && pwd)
rounds=${2:?$usage}
sizes=${3:?$usage}
a=$(cd "${4:?$usage}" && pwd)
b=$(cd "${5:?$usage}" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

one() {  # one BUILD BIN N: both commands, one line each
  local name=$1 bin=$2 n=$3 e m u s out
  cd "$dir/$n"
  /usr/bin/time -f '%e %M %U %S' -o time.txt "$bin/dedup" --path data --db w.db \
    --catalog-only -q --format csv >dedup.csv 2>err.txt ||
    { echo "scale_ab: $name dedup at $n failed: $(tail -1 err.txt)" >&2; exit 1; }
  read -r e m u s <time.txt
  out=$(md5sum <dedup.csv | cut -c1-8)
  echo "r$r $n $name dedup wall=$e cpu=$(echo "$u + $s" | bc) peakMB=$((m / 1024)) md5=$out load=$(cut -d' ' -f1 /proc/loadavg)"
  rm -rf splits
  /usr/bin/time -f '%e %M %U %S' -o time.txt "$bin/db" --db w.db split --out splits \
    >/dev/null 2>err.txt ||
    { echo "scale_ab: $name split at $n failed: $(tail -1 err.txt)" >&2; exit 1; }
  read -r e m u s <time.txt
  out=$(cat splits/*.csv | md5sum | cut -c1-8)
  echo "r$r $n $name split wall=$e cpu=$(echo "$u + $s" | bc) peakMB=$((m / 1024)) md5=$out load=$(cut -d' ' -f1 /proc/loadavg)"
  rm -rf splits dedup.csv time.txt err.txt
}

for r in $(seq 1 "$rounds"); do
  for n in $sizes; do
    if [ $((r % 2)) -eq 1 ]; then one A "$a" "$n"; one B "$b" "$n"
    else one B "$b" "$n"; one A "$a" "$n"; fi
  done
done | tee "$log"

python3 - "$log" <<'PY'
import collections, math, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    _, n, build, cmd, *kv = line.split()
    kv = dict(x.split("=") for x in kv)
    runs[build, cmd, int(n)].append((float(kv["wall"]), float(kv["cpu"]), int(kv["peakMB"])))
sizes = sorted({k[2] for k in runs})
for (build, cmd) in sorted({k[:2] for k in runs}):
    med = {n: [statistics.median(r[i] for r in runs[build, cmd, n]) for i in (0, 1)] for n in sizes}
    cells = " ".join(f"{n}: {med[n][0]:.2f} s wall / {med[n][1]:.2f} s cpu /"
                     f" {max(r[2] for r in runs[build, cmd, n])} MB;" for n in sizes)
    line = f"{build} {cmd} {cells}"
    if len(sizes) > 1:
        k = math.log2(sizes[-1] / sizes[0])
        line += (f" per doubling: wall {(med[sizes[-1]][0] / med[sizes[0]][0]) ** (1 / k):.2f}x,"
                 f" cpu {(med[sizes[-1]][1] / med[sizes[0]][1]) ** (1 / k):.2f}x")
    print(line)
PY
