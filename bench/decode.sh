#!/usr/bin/env bash
# JPEG decoding speed, winnow against Pillow (python3-pil), on the same
# files in one run: full-size decode and 1/8 DCT-scaled decode (Pillow's
# draft()). Both decode from memory on one thread; rounds alternate the
# tools so machine noise hits both, and medians are reported.
#
#   bench/decode.sh CORPUS_DIR [FILES] [ROUNDS]
#
# CORPUS_DIR is a folder of JPEGs (searched recursively), for example the
# scale set of ../shared/bench/make-corpus.py (CORPUS/scale). FILES (default
# 1000) are taken in name order; ROUNDS defaults to 5.
set -euo pipefail
corpus=${1:?usage: bench/decode.sh CORPUS_DIR [FILES] [ROUNDS]}
files=${2:-1000}
rounds=${3:-5}
. "$(dirname "$0")/lib.sh"
make -s -C "$top" bench >/dev/null
bench=$top/build/bench/decode_bench
list=$(mktemp)
trap 'rm -f "$list" "$list".*' EXIT
find "$corpus" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | sort | sed -n "1,${files}p" >"$list"
n=$(wc -l <"$list")
[ "$n" -gt 0 ] || { echo "no JPEGs under $corpus" >&2; exit 2; }
pillow=$(/usr/bin/python3 -c 'import PIL; print(PIL.__version__)')
echo "JPEG decode, $n files from $corpus, $rounds rounds, 1 thread, from memory"
echo "winnow $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), libjpeg-turbo $(pkg-config --modversion libturbojpeg), Pillow $pillow"
for r in $(seq "$rounds"); do
  "$bench" "$list" | cut -d' ' -f1 >>"$list.wf"
  /usr/bin/python3 "$top/bench/decode_pillow.py" "$list" | cut -d' ' -f1 >>"$list.pf"
  "$bench" --scale 8 "$list" | cut -d' ' -f1 >>"$list.w8"
  /usr/bin/python3 "$top/bench/decode_pillow.py" --scale 8 "$list" | cut -d' ' -f1 >>"$list.p8"
done
printf '%-22s %14s %14s %8s\n' mode "winnow img/s" "Pillow img/s" ratio
for m in f:full 8:1/8-scaled; do
  k=${m%%:*}; name=${m#*:}
  w=$(median "$list.w$k"); p=$(median "$list.p$k")
  printf '%-22s %14.1f %14.1f %7.2fx\n' "$name" "$w" "$p" "$(ratio "$w" "$p")"
done
