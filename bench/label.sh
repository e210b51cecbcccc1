#!/usr/bin/env bash
# label: speed against nsfwjs' own engine, and how well suspects finds
# flipped labels.
#
#   bench/label.sh speed CORPUS_DIR [IMAGES] [ROUNDS]
#   bench/label.sh quality POOL_DIR [SEED]
#
# speed: IMAGES (default 300) JPEGs from CORPUS_DIR (searched recursively,
# by name), made 320 px with winnow's resize; `label predict -j 2`
# (MobileNetV2, decoding included, the catalog scan too) against nsfwjs'
# engine, TensorFlow.js on @tensorflow/tfjs-backend-wasm in node, on the
# same images already decoded and resized (bench/label_tfjs.js); medians of
# ROUNDS alternating rounds; peak memory of winnow's run; InceptionV3 too.
#
# quality: from fetch-pool.sh's POOL_DIR, three visually distinct classes
# (painted portraits, desktop wallpapers, OpenCV documentation figures),
# 10% of the labels flipped at random (SEED), then predict, train and
# suspects; scored against the flips: precision and recall of what
# confident learning flags, precision among the first n of --top (n = the
# number flipped), recall within the first 3n, and the head's
# cross-validated accuracy.
set -euo pipefail
mode=${1:?usage: bench/label.sh speed|quality DIR ...}
src=$(cd "${2:?usage: bench/label.sh speed|quality DIR ...}" && pwd)
. "$(dirname "$0")/lib.sh"
make -s -C "$top" all build/tests/nntool >/dev/null
bench_tmp
export WINNOW_MODELS="$top/models"

if [ "$mode" = speed ]; then
  n=${3:-300}
  rounds=${4:-3}
  mkdir -p "$tmp/raw/all"
  find "$src" -type f -iname "*.jpg" | sort | sed -n "1,${n}p" | while read -r f; do
    ln "$f" "$tmp/raw/all/$(basename "$f")" 2>/dev/null || cp "$f" "$tmp/raw/all/"
  done
  "$top/bin/resize" --db "$tmp/r.db" --path "$tmp/raw" --out "$tmp/in" --size 320 -q 2>/dev/null
  n=$(find "$tmp/in" -type f | wc -l)
  echo "label benchmark: $n JPEGs of 320 px, 2 threads for winnow; $(nproc) cores; $rounds rounds"
  echo "winnow $(git -C "$top" rev-parse --short HEAD); tfjs $(node -p "require('$top/tests/node/node_modules/@tensorflow/tfjs/package.json').version") (wasm)"
  printf '%-14s %14s %16s %8s %12s\n' model "winnow img/s" "tfjs-wasm img/s" ratio "winnow peak"
  for model in mobilenet_v2 inception_v3; do
    find "$tmp/in" -type f | sort >"$tmp/list"
    "$top/build/tests/nntool" prep "$top/models/$model" "$tmp/in.f32" $(cat "$tmp/list")
    : >"$tmp/w"; : >"$tmp/t"; : >"$tmp/m"
    for r in $(seq "$rounds"); do
      rm -f "$tmp/w.db"*
      /usr/bin/time -f "%e %M" -o "$tmp/time" "$top/bin/label" predict --path "$tmp/in" \
        --db "$tmp/w.db" --model "$model" -j 2 -q 2>/dev/null
      cut -d' ' -f1 "$tmp/time" >>"$tmp/w"
      cut -d' ' -f2 "$tmp/time" >>"$tmp/m"
      node "$top/bench/label_tfjs.js" "$top/models/$model" "$tmp/in.f32" 2>/dev/null | cut -d' ' -f1 >>"$tmp/t"
    done
    w=$(median <"$tmp/w"); t=$(median <"$tmp/t"); m=$(median <"$tmp/m")
    printf '%-14s %14.1f %16.1f %7.2fx %9.0f MB\n' "$model" "$(ratio "$n" "$w")" \
      "$(ratio "$n" "$t")" "$(ratio "$t" "$w")" "$(ratio "$m" "1024")"
  done
  exit 0
fi

seed=${3:-1}
/usr/bin/python3 - "$src" "$tmp/ds" "$seed" >"$tmp/truth" <<'EOF'
import os, random, re, sys
pool, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
classes = {"portrait": [], "wallpaper": [], "figure": []}
for f in sorted(os.listdir(os.path.join(pool, "drawing"))):
    classes["portrait"].append(os.path.join(pool, "drawing", f))
for f in sorted(os.listdir(os.path.join(pool, "photo"))):
    n = int(f.split("-")[0])
    # fetch-pool.sh puts the OpenCV documentation first, then wallpapers
    (classes["figure"] if n <= 254 else classes["wallpaper"]).append(os.path.join(pool, "photo", f))
rng = random.Random(seed)
names = sorted(classes)
items = [(c, p) for c in names for p in classes[c]]
flip = set(rng.sample(range(len(items)), len(items) // 10))
for i, (c, p) in enumerate(items):
    given = c
    if i in flip:
        given = rng.choice([o for o in names if o != c])
    d = os.path.join(out, given)
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, os.path.basename(p))
    os.link(p, dst) if os.stat(p).st_dev == os.stat(out).st_dev else open(dst, "wb").write(open(p, "rb").read())
    print("%s\t%s\t%d" % (os.path.relpath(dst, os.path.dirname(out)), c, i in flip))
EOF
cd "$tmp"
"$top/bin/label" predict --path ds -q 2>/dev/null
"$top/bin/label" train --path ds >train.txt
"$top/bin/label" suspects --path ds --format csv >flagged.csv 2>/dev/null
"$top/bin/label" suspects --path ds --format csv --top 100000 >ranked.csv 2>/dev/null
/usr/bin/python3 - truth flagged.csv ranked.csv train.txt "$seed" <<'EOF'
import csv, sys
truth = {}
for line in open(sys.argv[1]):
    path, cls, flipped = line.rstrip("\n").split("\t")
    truth[path] = flipped == "1"
flips = sum(truth.values())
flagged = [r["path"] for r in csv.DictReader(open(sys.argv[2]))]
ranked = [r["path"] for r in csv.DictReader(open(sys.argv[3]))]
tp = sum(truth.get(p, False) for p in flagged)
acc = open(sys.argv[4]).readline().split()[2]
print("images %d, classes 3, flipped %d (seed %s)" % (len(truth), flips, sys.argv[5]))
print("flagged by confident learning: %d; precision %.3f, recall %.3f" %
      (len(flagged), tp / max(len(flagged), 1), tp / flips))
print("precision among the first n = %d of --top: %.3f" %
      (flips, sum(truth.get(p, False) for p in ranked[:flips]) / flips))
print("recall within the first 3n = %d: %.3f" %
      (3 * flips, sum(truth.get(p, False) for p in ranked[:3 * flips]) / flips))
print("cross-validated accuracy of the head (against the flipped labels): %s" % acc)
EOF
