#!/usr/bin/env bash
# The whole pipeline on real, freely licensed images, in a few minutes:
# `make demo` runs it. The photos, textures and documents that Debian's
# scikit-image and matplotlib packages ship (public domain and
# permissively licensed sample images) are varied with winnow's own
# augment into a small scraped-looking set, published on a local web
# server with broken URLs and duplicates mixed in, listed in the
# urls_<class>.txt layout of nsfw_data_scraper, then scraped, resized,
# deduplicated, balanced, classified, trained on and reported.
#
#   demo/run.sh [WORK_DIR]      (default: demo-work)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$top/demo-work}
bin=${WINNOW_BIN:-$top/bin}
export WINNOW_MODELS=$top/models
skd=/usr/lib/python3/dist-packages/skimage/data
hopper=/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

for f in "$skd/astronaut.png" "$hopper" "$top/models/mobilenet_v2/model.json"; do
  [ -e "$f" ] || { echo "demo: $f is missing: run 'make deps' first" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work/site/img" "$work/src/photo" "$work/src/texture" "$work/src/document"
cd "$work"
export WINNOW_DB=$work/winnow.db

step "1. A sample of real images, and variants of them (winnow augment)"
for f in astronaut.png chelsea.png coffee.png rocket.jpg motorcycle_left.png motorcycle_right.png \
         hubble_deep_field.jpg retina.jpg; do cp "$skd/$f" src/photo/; done
cp "$hopper" src/photo/
for f in brick.png grass.png gravel.png; do cp "$skd/$f" src/texture/; done
for f in page.png text.png bw_text.png; do cp "$skd/$f" src/document/; done
cat >variants.pipeline <<'EOF'
rotate probability=0.7 max_left_rotation=12 max_right_rotation=12
flip_left_right probability=0.5
zoom_random probability=0.6 percentage_area=0.75
random_brightness probability=0.5 min_factor=0.8 max_factor=1.2
EOF
"$bin/augment" --path src --out variants --pipeline variants.pipeline --balance 24 --seed 7 \
  --db src.db -q
echo "$(find src variants -type f | wc -l) images in 3 classes (photo, texture, document)"

step "2. A web server on 127.0.0.1 with them, plus broken URLs and duplicates"
n=0
mislabel=$(ls variants/photo/* | tail -1)   # one photo will be listed as a texture
mkdir -p raw_data/photo raw_data/texture raw_data/document
for c in photo texture document; do
  mkdir -p "raw_data/$c"
  for f in src/$c/* variants/$c/*; do
    n=$((n + 1))
    ext=${f##*.}
    cp "$f" "site/img/$n.$ext"
    if [ "$f" = "$mislabel" ]; then
      echo "URL/img/$n.$ext" >>raw_data/texture/urls_texture.txt
    else
      echo "URL/img/$n.$ext" >>"raw_data/$c/urls_$c.txt"
    fi
  done
done
cp site/img/1.png site/img/copy-of-1.png                 # an exact duplicate
printf '<!DOCTYPE html><html>not an image</html>' >site/img/page.jpg
head -c 3000 "$skd/rocket.jpg" >site/img/truncated.jpg
{ echo "URL/img/copy-of-1.png"; echo "URL/img/page.jpg"; echo "URL/img/truncated.jpg"
  echo "URL/img/missing.jpg"; echo "URL/img/1.png"; } >>raw_data/photo/urls_photo.txt
# and a photo's exact copy listed as a document: a label conflict
cp site/img/2.png site/img/copy-of-2.png
echo "URL/img/copy-of-2.png" >>raw_data/document/urls_document.txt
python3 -m http.server --bind 127.0.0.1 0 --directory site >server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "Serving HTTP" server.log && break; sleep 0.05; done
port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' server.log | head -1)
sed -i "s|^URL|http://127.0.0.1:$port|" raw_data/*/urls_*.txt
wc -l raw_data/*/urls_*.txt | sed 's/^/  /'

step "3. scraper --urls raw_data --out raw"
# --allow-private: the demo's web server is on 127.0.0.1
"$bin/scraper" --urls raw_data --out raw --allow-private -q || true

step "4. resize --path raw --out train (shorter side 320)"
"$bin/resize" --path raw --out train -q || true

step "5. dedup --path train --delete"
"$bin/dedup" --path train --delete -q | tail -3 || true

step "6. augment --path train --out aug --balance 40 (seed 003's Augmentor pipeline)"
"$bin/augment" --path train --out aug --pipeline "$top/examples/augmentor-seed003.pipeline" \
  --balance 40 -q || true

step "7. label predict --path train (MobileNetV2, winnow's own engine)"
"$bin/label" predict --path train -q

step "8. label train --path train (a head on the three folders, 5-fold)"
"$bin/label" train --path train

step "9. label suspects --path train --top 5"
"$bin/label" suspects --path train --top 5

step "10. db report --html report.html"
"$bin/db" report --html report.html

cat <<EOF

Done. Open $work/report.html in a browser to see the dataset's state.
For a review session in the browser:  $bin/label review --path $work/train --db $work/winnow.db
EOF
