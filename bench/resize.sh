#!/usr/bin/env bash
# resize against vipsthumbnail and mogrify on the same JPEGs, same thread
# count, in one run (medians of ROUNDS, tools alternating):
#   winnow  resize --geometry x320 -j T
#   vips    vipsthumbnail --size x320 (Q=90), T processes of one thread
#   magick  mogrify -geometry x320 -quality 90, T processes of one thread
# Quality: mean SSIM of winnow's and vipsthumbnail's outputs against a
# reference (Pillow: full decode, LANCZOS to the same size). Memory: peak
# RSS of winnow's run, per thread.
#
#   bench/resize.sh DIR [FILES] [ROUNDS] [THREADS]
#
# DIR holds JPEGs (searched recursively), e.g. the scale set of
# ../shared/bench/make-corpus.py; FILES (default 1000) are taken in name
# order. Needs libvips-tools, imagemagick, python3-skimage (make deps BENCH=1).
# RESIZE_VARIANTS="NAME=BIN ...": other resize binaries (older commits'
# builds, say) timed in the same rounds, each with its ratio and SSIM.
set -euo pipefail
src=$(cd "${1:?usage: bench/resize.sh DIR [FILES] [ROUNDS] [THREADS]}" && pwd)
files=${2:-1000}
rounds=${3:-3}
threads=${4:-$(nproc)}
. "$(dirname "$0")/lib.sh"
make -s -C "$top" all >/dev/null
bench_tmp

# The same files for every tool, hard-linked into one flat folder.
link_jpegs "$src" "$files" "$tmp/in/all"
n=$(ls "$tmp/in/all" | wc -l)
run_winnow() { rm -rf "$tmp/w" "$tmp/w.db"*; "$top/bin/resize" --db "$tmp/w.db" --path "$tmp/in" --out "$tmp/w" --geometry x320 -j "$threads" -q; }
run_vips() {
  rm -rf "$tmp/v" && mkdir -p "$tmp/v"
  (cd "$tmp/in/all" && ls | VIPS_CONCURRENCY=1 xargs -P "$threads" -n 64 vipsthumbnail --size x320 -o "$tmp/v/%s.jpg[Q=90]")
}
run_magick() {
  rm -rf "$tmp/m" && mkdir -p "$tmp/m"
  (cd "$tmp/in/all" && ls | xargs -P "$threads" -n 64 mogrify -limit thread 1 -path "$tmp/m" -geometry x320 -quality 90)
}

# timed NAME CMD...: CMD's wall seconds appended to $tmp/t.NAME and its
# CPU seconds (user + system, its children's included) to $tmp/c.NAME:
# on a shared machine the CPU seconds move less than the wall time.
timed() {
  local name=$1 out
  shift
  out=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 ) || true
  echo "$out" | awk '{print $1}' >>"$tmp/t.$name"
  echo "$out" | awk '{print $2 + $3}' >>"$tmp/c.$name"
}
variants=${RESIZE_VARIANTS:-}
run_variant() { rm -rf "$tmp/x.$1" "$tmp/x.$1.db"*; "$2" --db "$tmp/x.$1.db" --path "$tmp/in" --out "$tmp/x.$1" --geometry x320 -j "$threads" -q; }

echo "resize benchmark: $n JPEGs from $src, $threads threads, $rounds rounds"
echo "winnow $(git -C "$top" rev-parse --short HEAD); $(vipsthumbnail --vips-version 2>/dev/null | head -1); $(mogrify -version | head -1 | cut -d' ' -f2-3)"
for r in $(seq "$rounds"); do
  timed w run_winnow
  timed v run_vips
  timed m run_magick
  for v in $variants; do timed "x.${v%%=*}" run_variant "${v%%=*}" "${v#*=}"; done
done
w=$(median <"$tmp/t.w"); v=$(median <"$tmp/t.v"); m=$(median <"$tmp/t.m")
rate() { ratio "$n" "$1"; }
printf '%-34s %9s %9s %8s\n' tool seconds images/s ratio
printf '%-34s %9.2f %9.0f %7.2fx\n' "winnow resize --geometry x320" "$w" "$(rate "$w")" 1
printf '%-34s %9.2f %9.0f %7.2fx\n' "vipsthumbnail --size x320" "$v" "$(rate "$v")" "$(ratio "$w" "$v")"
printf '%-34s %9.2f %9.0f %7.2fx\n' "mogrify -geometry x320" "$m" "$(rate "$m")" "$(ratio "$w" "$m")"
for x in $variants; do
  xs=$(median <"$tmp/t.x.${x%%=*}")
  printf '%-34s %9.2f %9.0f %7.2fx  (%.2fx vipsthumbnail)\n' "variant ${x%%=*}" "$xs" "$(rate "$xs")" \
    "$(ratio "$w" "$xs")" "$(ratio "$v" "$xs")"
done
printf 'winnow is %.2fx vipsthumbnail, %.2fx mogrify\n' "$(ratio "$v" "$w")" "$(ratio "$m" "$w")"
cw=$(median <"$tmp/c.w"); cv=$(median <"$tmp/c.v")
printf 'CPU seconds (user + system, median): winnow %.2f, vipsthumbnail %.2f, mogrify %.2f' \
  "$cw" "$cv" "$(median <"$tmp/c.m")"
for x in $variants; do printf ', %s %.2f' "${x%%=*}" "$(median <"$tmp/c.x.${x%%=*}")"; done
printf '\nwinnow is %.2fx vipsthumbnail in CPU seconds\n' "$(ratio "$cv" "$cw")"

# Peak memory of one winnow run.
rss=$( { /usr/bin/time -f '%M' "$top/bin/resize" --db "$tmp/mem.db" --path "$tmp/in" \
  --out "$tmp/mem" --geometry x320 -j "$threads" -q 2>&1 >/dev/null; } | tail -1)
echo "winnow peak RSS: $((rss / 1024)) MB for $threads threads ($((rss / 1024 / threads)) MB per thread)"

# Quality against Pillow's reference, on every output of each tool.
extra=()
for x in $variants; do extra+=("variant ${x%%=*}=$tmp/x.${x%%=*}/all"); done
/usr/bin/python3 - "$tmp/in/all" "$tmp/w/all" "$tmp/v" "$tmp/m" "${extra[@]}" <<'EOF'
import os, sys
import numpy as np
from PIL import Image, ImageOps
from skimage.metrics import structural_similarity as ssim
src, outs = sys.argv[1], {"winnow": sys.argv[2], "vipsthumbnail": sys.argv[3], "mogrify": sys.argv[4]}
outs.update(a.split("=", 1) for a in sys.argv[5:])
scores = {k: [] for k in outs}
names = sorted(os.listdir(src))
for name in names:
    ref_src = ImageOps.exif_transpose(Image.open(os.path.join(src, name))).convert("RGB")
    for tool, d in outs.items():
        p = os.path.join(d, name)
        if not os.path.exists(p):
            p = os.path.join(d, os.path.splitext(name)[0] + ".jpg")
        if not os.path.exists(p):
            continue
        out = np.asarray(Image.open(p).convert("RGB"))
        ref = np.asarray(ref_src.resize((out.shape[1], out.shape[0]), Image.LANCZOS))
        scores[tool].append(ssim(ref, out, channel_axis=2, data_range=255))
for tool, s in scores.items():
    print(f"mean SSIM vs Pillow LANCZOS reference, {tool}: {np.mean(s):.4f} ({len(s)} images)")
EOF
