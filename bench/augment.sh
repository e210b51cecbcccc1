#!/usr/bin/env bash
# augment against the same pipelines written with OpenCV (python3-opencv:
# warpAffine, warpPerspective, remap, LUTs), one thread each, on the same
# 320 px JPEGs, in one run (medians of ROUNDS, tools alternating):
#
#   files   JPEG in, JPEG q90 out, one sample per image:
#           augment -j 1 --samples 1   against  bench/augment_opencv.py
#   memory  decoded images in, nothing encoded (the operations alone):
#           build/bench/augment_bench  against  augment_opencv.py --memory
#
# Pipelines: seed 003's Augmentor pipeline, seed 002's ImageDataGenerator
# settings (examples/), and a rotation alone (rotation_range=30, the
# single-operation figure albumentations publishes). "copy" (files only)
# runs no operation: decode, encode, write, for winnow its catalog too;
# the floor under every pipeline, and so the ratio's ceiling.
#
#   bench/augment.sh DIR [FILES] [ROUNDS]
#
# DIR holds JPEGs (searched recursively), e.g. the scale set of
# ../shared/bench/make-corpus.py; FILES (default 1000) are taken in name
# order and first made 320 px on the shorter side with winnow's resize.
# Needs python3-opencv (make deps BENCH=1).
set -euo pipefail
src=$(cd "${1:?usage: bench/augment.sh DIR [FILES] [ROUNDS]}" && pwd)
files=${2:-1000}
rounds=${3:-3}
. "$(dirname "$0")/lib.sh"
make -s -C "$top" all bench >/dev/null
bench_tmp
py=/usr/bin/python3
cv="$top/bench/augment_opencv.py"

link_jpegs "$src" "$files" "$tmp/raw/all"
mkdir -p "$tmp/out"
"$top/bin/resize" --db "$tmp/r.db" --path "$tmp/raw" --out "$tmp/in" --size 320 -q 2>/dev/null
find "$tmp/in" -type f | sort >"$tmp/list"
n=$(wc -l <"$tmp/list")
printf 'rotation_range=30,\n' >"$tmp/rotate.pipeline"
printf 'flip_left_right probability=0\n' >"$tmp/copy.pipeline"
declare -A pipe=([augmentor]="$top/examples/augmentor-seed003.pipeline"
                 [keras]="$top/examples/keras-seed002.pipeline"
                 [rotate]="$tmp/rotate.pipeline"
                 [copy]="$tmp/copy.pipeline")

# Each run writes into a folder of its own, and nothing is deleted until
# the end: on ext4, creating files right after deleting a thousand makes
# the inode allocator skip the recently deleted ones, which cost each tool
# about 0.25 ms an image here, an artifact of the loop, not of the tools.
winnow_files() {
  local t0 t1 out=$tmp/out/w.$1.$2
  t0=$(date +%s.%N)
  "$top/bin/augment" --db "$out.db" --path "$tmp/in" --out "$out" --pipeline "${pipe[$1]}" \
    --samples 1 -j 1 -q 2>/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
opencv_files() { "$py" "$cv" "$1" "$tmp/list" "$tmp/out/c.$1.$2" | cut -d' ' -f1; }
winnow_memory() { "$top/build/bench/augment_bench" "${pipe[$1]}" "$tmp/list" 2 | cut -d' ' -f1; }
opencv_memory() { "$py" "$cv" --memory "$1" "$tmp/list" 2 | cut -d' ' -f1; }

echo "augment benchmark: $n JPEGs of 320 px from $src, one thread each, $rounds rounds"
echo "winnow $(git -C "$top" rev-parse --short HEAD); OpenCV $("$py" -c 'import cv2; print(cv2.__version__)'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for r in $(seq "$rounds"); do
  for p in augmentor keras rotate; do
    winnow_files "$p" "$r" >>"$tmp/f.w.$p"
    opencv_files "$p" "$r" >>"$tmp/f.c.$p"
    winnow_memory "$p" >>"$tmp/m.w.$p"
    opencv_memory "$p" >>"$tmp/m.c.$p"
  done
  winnow_files copy "$r" >>"$tmp/f.w.copy"
  opencv_files copy "$r" >>"$tmp/f.c.copy"
done
# ratio: the median of each round's ratio (the two tools ran back to
# back), steadier on a shared machine than a ratio of medians
printf '%-8s %-10s %14s %14s %7s\n' mode pipeline "winnow img/s" "OpenCV img/s" ratio
for mode in f m; do
  for p in augmentor keras rotate $([ "$mode" = f ] && echo copy); do
    per=$n
    [ "$mode" = m ] && per=$((n * 2))
    w=$(median <"$tmp/$mode.w.$p"); c=$(median <"$tmp/$mode.c.$p")
    ratio=$(paste "$tmp/$mode.c.$p" "$tmp/$mode.w.$p" | awk '{print $1 / $2}' | median)
    printf '%-8s %-10s %14.0f %14.0f %6.2fx\n' "$([ "$mode" = f ] && echo files || echo memory)" "$p" \
      "$(ratio "$per" "$w")" "$(ratio "$per" "$c")" "$ratio"
  done
done
