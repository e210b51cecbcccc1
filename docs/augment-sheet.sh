#!/usr/bin/env bash
# Makes docs/augment.png: what every augment operation does to one photo,
# each made by bin/augment from a one-line pipeline, labelled with that
# line, then eight samples of each example pipeline. `make docs` runs it.
#
#   docs/augment-sheet.sh PHOTO OUT.png
#
# PHOTO is any image (make docs uses grace_hopper.jpg, a public-domain US
# Navy photograph shipped in Debian's python-matplotlib-data); montage is
# ImageMagick's.
set -euo pipefail
photo=${1:?usage: docs/augment-sheet.sh PHOTO OUT.png}
out=${2:?usage: docs/augment-sheet.sh PHOTO OUT.png}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$top/bin

mkdir -p "$tmp/raw/photo"
cp "$photo" "$tmp/raw/photo/photo.${photo##*.}"
"$bin/resize" --db "$tmp/w.db" --path "$tmp/raw" --out "$tmp/in" --size 240 -q 2>/dev/null

ops=(
  "rotate max_left_rotation=25 max_right_rotation=25"
  "rotate90"
  "rotate_random_90"
  "flip_left_right"
  "flip_top_bottom"
  "zoom min_factor=1.4 max_factor=1.4"
  "zoom_random percentage_area=0.6"
  "crop_random percentage_area=0.6"
  "crop_centre percentage_area=0.6"
  "random_distortion grid_width=4 grid_height=4 magnitude=12"
  "gaussian_distortion grid_width=5 grid_height=5 magnitude=8 corner=bell method=in"
  "skew_left_right magnitude=0.3"
  "skew_top_bottom magnitude=0.3"
  "skew_tilt magnitude=0.3"
  "skew_corner magnitude=0.3"
  "shear max_shear_left=20 max_shear_right=20"
  "random_brightness min_factor=1.6 max_factor=1.6"
  "random_color min_factor=2.5 max_factor=2.5"
  "random_contrast min_factor=2 max_factor=2"
  "greyscale"
  "invert"
  "black_and_white threshold=110"
  "histogram_equalisation"
  "random_erasing rectangle_area=0.4"
  "rotation_range=40,"
  "rotation_range=40; fill_mode='constant'"
  "rotation_range=40; fill_mode='reflect'"
  "rotation_range=40; fill_mode='wrap'"
  "width_shift_range=0.25,"
  "shear_range=30,"
  "zoom_range=[0.7, 0.7],"
  "channel_shift_range=80,"
  "brightness_range=[0.5, 0.5],"
  "gaussian_blur sigma=2.5"
  "gaussian_noise sigma=25"
  "jpeg_quality quality=6"
  "hue_shift degrees=[90, 90]"
)
tiles=("$tmp/in/photo/photo.jpg")
labels=("source")
i=0
for op in "${ops[@]}"; do
  i=$((i + 1))
  # Keras settings sit on lines of their own ("; " parts a label's two);
  # Augmentor lines fire always.
  case "$op" in
    *=*,*|*\;*) printf '%s\n' "${op//; /$'\n'}" >"$tmp/p$i" ;;
    *) printf '%s probability=1\n' "$op" >"$tmp/p$i" ;;
  esac
  "$bin/augment" --db "$tmp/w.db" --path "$tmp/in" --out "$tmp/o$i" --pipeline "$tmp/p$i" \
    --samples 1 --seed 5 -q 2>/dev/null
  tiles+=("$tmp/o$i/photo/photo_0.jpg")
  labels+=("$op")
done
for ex in augmentor-seed003 keras-seed002; do
  "$bin/augment" --db "$tmp/w.db" --path "$tmp/in" --out "$tmp/$ex" \
    --pipeline "$top/examples/$ex.pipeline" --samples 5 --seed 1 -q 2>/dev/null
  for k in 0 1 2 3 4; do
    tiles+=("$tmp/$ex/photo/photo_$k.jpg")
    labels+=("$ex.pipeline sample $k")
  done
done
args=()
# two lines a label: the operation, then its settings
for j in "${!tiles[@]}"; do args+=(-label "${labels[$j]/ /\\n}" "${tiles[$j]}"); done
montage -font DejaVu-Sans -pointsize 10 "${args[@]}" -tile 6x -geometry 200x200+12+8 \
  -background white "$tmp/sheet.png"
# a palette keeps the file small enough for a repository
convert "$tmp/sheet.png" -colors 255 "PNG8:$out"
echo "wrote $out ($(du -k "$out" | cut -f1) kB, ${#tiles[@]} tiles)"
