#!/usr/bin/env bash
# What each augment operation costs file to file, alone, on the same 320 px
# JPEGs as bench/augment.sh: a one-line pipeline that always fires
# (probability 1), --samples 1 -j 1, CPU time (user + sys) over the files,
# minus that of a pipeline that never fires (decode, encode, write,
# catalog). Several binaries side by side (say, two builds of winnow)
# run alternately in each round. Medians of ROUNDS, ms an image.
#
#   bench/augment_ops.sh DIR [FILES] [ROUNDS] [AUGMENT_BINARY...]
#
# DIR holds JPEGs (searched recursively); FILES (default 1000) are taken
# in name order and first made 320 px on the shorter side. The binaries
# default to this tree's bin/augment.
set -euo pipefail
src=$(cd "${1:?usage: bench/augment_ops.sh DIR [FILES] [ROUNDS] [AUGMENT...]}" && pwd)
files=${2:-1000}
rounds=${3:-3}
shift $(($# < 3 ? $# : 3))
. "$(dirname "$0")/lib.sh"
make -s -C "$top" all >/dev/null
bins=("$@")
[ ${#bins[@]} -eq 0 ] && bins=("$top/bin/augment")
bench_tmp

mkdir -p "$tmp/raw/all" "$tmp/p" "$tmp/out"
find "$src" -type f -iname "*.jpg" | sort | sed -n "1,${files}p" | while read -r f; do
  ln "$f" "$tmp/raw/all/$(basename "$f")" 2>/dev/null || cp "$f" "$tmp/raw/all/"
done
"$top/bin/resize" --db "$tmp/r.db" --path "$tmp/raw" --out "$tmp/in" --size 320 -q 2>/dev/null
n=$(find "$tmp/in" -type f | wc -l)
cat >"$tmp/p/ops" <<'OPS'
never flip_left_right probability=0
rotate rotate probability=1 max_left_rotation=20 max_right_rotation=20
zoom zoom probability=1 min_factor=1.1 max_factor=1.5
distortion random_distortion probability=1 grid_width=4 grid_height=4 magnitude=8
skew skew probability=1 magnitude=0.4
brightness random_brightness probability=1 min_factor=0.5 max_factor=3
color random_color probability=1 min_factor=0.5 max_factor=3
contrast random_contrast probability=1 min_factor=0.5 max_factor=3
OPS
while read -r name line; do printf '%s\n' "$line" >"$tmp/p/$name"; done <"$tmp/p/ops"
printf 'random_distortion probability=1 grid_width=4 grid_height=4 magnitude=8\nskew probability=1 magnitude=0.4\n' >"$tmp/p/distortion+skew"
cp "$top/examples/keras-seed002.pipeline" "$tmp/p/keras-seed002"
cp "$top/examples/augmentor-seed003.pipeline" "$tmp/p/augmentor-seed003"

# Each run writes into a folder of its own, deleted only at the end (see
# bench/augment.sh: ext4 makes creating files after deleting many slow).
cpu_ms() {  # binary pipeline -> CPU ms an image
  local out=$tmp/out/$RANDOM$RANDOM t
  t=$( { /usr/bin/time -f '%U %S' "$1" --db "$out.db" --path "$tmp/in" --out "$out" \
         --pipeline "$tmp/p/$2" --samples 1 -j 1 -q 2>&1 >/dev/null; } | tail -1)
  echo "$t" | awk -v n="$n" '{print ($1 + $2) * 1000 / n}'
}

echo "augment operations: $n JPEGs of 320 px from $src, $rounds rounds, CPU ms an image"
# a column per binary: its tree's folder for .../bin/augment, else its name
label() { [ "$(basename "$1")" = augment ] && basename "$(dirname "$(dirname "$1")")" || basename "$1"; }
printf '%-20s' operation; for b in "${bins[@]}"; do printf ' %10s' "$(label "$b")"; done; echo
names=(never rotate zoom distortion skew distortion+skew brightness color contrast keras-seed002 augmentor-seed003)
declare -A res
for p in "${names[@]}"; do
  for r in $(seq "$rounds"); do
    for i in "${!bins[@]}"; do res[$p.$i]+="$(cpu_ms "${bins[$i]}" "$p") "; done
  done
done
for p in "${names[@]}"; do
  printf '%-20s' "$p"
  for i in "${!bins[@]}"; do
    m=$(echo ${res[$p.$i]} | tr ' ' '\n' | median)
    f=$(echo ${res[never.$i]} | tr ' ' '\n' | median)
    if [ "$p" = never ]; then printf ' %10.2f' "$m"; else printf ' %10.2f' "$(echo "$m - $f" | bc -l)"; fi
  done
  echo
done
echo "(never: the whole CPU time of a pipeline that never fires; the rest: above it)"
