#!/usr/bin/env bash
# label: speed against nsfwjs' own engine, and how well suspects finds
# flipped labels.
#
#   bench/label.sh speed CORPUS_DIR [IMAGES] [ROUNDS]
#   bench/label.sh quality POOL_DIR [SEED [SET [KEEP_DIR [TRAIN_OPTION...]]]]
#
# speed: IMAGES (default 300) JPEGs from CORPUS_DIR (searched recursively,
# by name), made 320 px with winnow's resize; `label predict -j 2`
# (MobileNetV2, decoding included, the catalog scan too) against nsfwjs'
# engine, TensorFlow.js on @tensorflow/tfjs-backend-wasm in node, on the
# same images already decoded and resized (bench/label_tfjs.js); medians of
# ROUNDS alternating rounds; peak memory of winnow's run; InceptionV3 too.
#
# quality: a labelled set from fetch-pool.sh's POOL_DIR with 10% of the
# labels flipped at random (SEED, default 1), then predict, train and
# suspects; scored against the flips. SET "easy" (default): three visually
# distinct classes (painted portraits, desktop wallpapers, OpenCV
# documentation figures). SET "hard": six classes none of which is
# nsfwjs' own: four kinds of painted game portraits (humans, orcs and
# goblins and trolls, monsters and wolves, undead), desktop wallpapers and
# 90 of the OpenCV documentation's photos and figures. With SET given, one
# line per variant of label train (softmax at the old fixed L2 0.01; the
# penalty by nested cross-validation; with the nearest-neighbour vote; the
# middle layer label predict keeps and the embeddings side by side; the
# default, the middle layer alone; the embeddings alone, also as they are
# (--power 1); with
# InceptionV3's embeddings beside MobileNetV2's; averaged over 3 draws of
# the folds; the MLP head): precision
# among the first n of --top (n = the number flipped), recall within the
# first 3n, the head's cross-validated accuracy and the L2 it used.
# Without SET: the easy set, the default variant, the five measures the
# session 9 table holds. KEEP_DIR keeps the set and its catalog (the
# predictions take the time) and reuses them when there. TRAIN_OPTIONs
# (after KEEP_DIR): that one variant of label train only, one line, e.g.
#   for s in 1 2 3 4 5 6; do bench/label.sh quality POOL $s hard /tmp/h$s --power 1; done
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
set_name=${4:-}
work=$tmp
if [ -n "${5:-}" ]; then mkdir -p "$5"; work=$(cd "$5" && pwd); fi
if [ ! -f "$work/truth" ]; then
/usr/bin/python3 - "$src" "$work/ds" "$seed" "${set_name:-easy}" >"$work/truth" <<'EOF'
import os, random, sys
pool, out, seed, which = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
photos = sorted(os.listdir(os.path.join(pool, "photo")))
drawings = sorted(os.listdir(os.path.join(pool, "drawing")))
if which == "easy":
    classes = {"portrait": [], "wallpaper": [], "figure": []}
    for f in drawings:
        classes["portrait"].append(os.path.join(pool, "drawing", f))
    for f in photos:
        n = int(f.split("-")[0])
        # fetch-pool.sh puts the OpenCV documentation first, then wallpapers
        (classes["figure"] if n <= 254 else classes["wallpaper"]).append(os.path.join(pool, "photo", f))
else:
    # Wesnoth's portraits come in folders by race, in this order (the
    # first portrait of each); the pool keeps only the order.
    races = [("human", "delfador"), ("drake", "blademaster"), ("dwarf", "dragonguard"),
             ("elf", "archer_female"), ("orc", "direwolver"), ("human", "assassin_female"),
             ("merfolk", "enchantress"), ("monster", "bat-dread"), ("naga", "dirkfang"),
             ("orc", "archer"), ("saurian", "augur"), ("orc", "troll-hero-alt"),
             ("undead", "ancient-lich"), ("monster", "wolf-chewing"), ("wose", "ancient-wose")]
    keep = {"human", "orc", "monster", "undead"}
    classes = {c: [] for c in keep | {"wallpaper", "figure"}}
    r = -1
    for f in drawings:
        name = f.split("-", 1)[1].rsplit("_", 1)[0]
        if r + 1 < len(races) and name == races[r + 1][1]:
            r += 1
        if races[r][0] in keep:
            classes[races[r][0]].append(os.path.join(pool, "drawing", f))
    figures = []
    for f in photos:
        n = int(f.split("-")[0])
        (figures if n <= 254 else classes["wallpaper"]).append(os.path.join(pool, "photo", f))
    classes["figure"] = random.Random(7).sample(figures, 90)
rng = random.Random(seed)
names = sorted(classes)
items = [(c, p) for c in names for p in sorted(classes[c])]
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
fi
cd "$work"
export WINNOW_DB=$work/w.db
# MobileNetV2 every time: what the catalog has is reused, and a KEEP_DIR
# predicted before label predict kept the middle layer gets it
"$top/bin/label" predict --path ds -q 2>/dev/null
if [ ! -f predicted ]; then
  if [ -n "$set_name" ] && { [ $# -le 5 ] || [[ "$*" == *inception_v3* ]]; }; then
    "$top/bin/label" predict --path ds --model inception_v3 -q 2>/dev/null
  fi
  touch predicted
fi

# score TRAIN_OUT: the measures against the flips, from flagged.csv and ranked.csv.
score() {
/usr/bin/python3 - truth flagged.csv ranked.csv "$1" "$seed" "${set_name:-}" <<'EOF'
import csv, re, sys
truth = {}
for line in open(sys.argv[1]):
    path, cls, flipped = line.rstrip("\n").split("\t")
    truth[path] = flipped == "1"
flips = sum(truth.values())
flagged = [r["path"] for r in csv.DictReader(open(sys.argv[2]))]
ranked = [r["path"] for r in csv.DictReader(open(sys.argv[3]))]
tp = sum(truth.get(p, False) for p in flagged)
train = open(sys.argv[4]).read()
acc = re.search(r"accuracy ([0-9.]+)", train).group(1)
p_n = sum(truth.get(p, False) for p in ranked[:flips]) / flips
r_3n = sum(truth.get(p, False) for p in ranked[:3 * flips]) / flips
if sys.argv[6]:
    l2 = re.search(r"L2 ([0-9.e+-]+)", train)
    print("%.3f %.3f %s %s" % (p_n, r_3n, acc, l2.group(1) if l2 else "-"))
    sys.exit(0)
print("images %d, classes %d, flipped %d (seed %s)" %
      (len(truth), len(set(l.split("\t")[1] for l in open(sys.argv[1]))), flips, sys.argv[5]))
print("flagged by confident learning: %d; precision %.3f, recall %.3f" %
      (len(flagged), tp / max(len(flagged), 1), tp / flips))
print("precision among the first n = %d of --top: %.3f" % (flips, p_n))
print("recall within the first 3n = %d: %.3f" % (3 * flips, r_3n))
print("cross-validated accuracy of the head (against the flipped labels): %s" % acc)
EOF
}

# variant NAME TRAIN_OPTIONS...: train, suspects, one scored line.
variant() {
  local name=$1 model=mobilenet_v2 a
  shift
  for a in "$@"; do case $a in --model=*) model=${a#--model=};; esac; done
  if ! "$top/bin/label" train --path ds "$@" >train.txt 2>train.err; then
    printf '%-32s failed: %s\n' "$name" "$(tail -1 train.err)"
    return 0
  fi
  "$top/bin/label" suspects --path ds --model "$model" --format csv >flagged.csv 2>/dev/null
  "$top/bin/label" suspects --path ds --model "$model" --format csv --top 100000 >ranked.csv 2>/dev/null
  printf '%-32s %s\n' "$name" "$(score train.txt)"
}

if [ -z "$set_name" ]; then
  "$top/bin/label" train --path ds >train.txt
  "$top/bin/label" suspects --path ds --format csv >flagged.csv 2>/dev/null
  "$top/bin/label" suspects --path ds --format csv --top 100000 >ranked.csv 2>/dev/null
  score train.txt
  exit 0
fi
both=--model=mobilenet_v2,inception_v3
if [ $# -gt 5 ]; then
  shift 5
  variant "seed $seed $set_name" "$@"
  exit 0
fi
echo "set $set_name: $(wc -l <truth) images, $(cut -f2 truth | sort -u | wc -l) classes," \
  "$(awk -F'\t' '$3 == 1' truth | wc -l) flipped (seed $seed); winnow $(git -C "$top" rev-parse --short HEAD)"
printf '%-32s %s\n' variant "P@n R@3n cv-accuracy L2"
variant "softmax, L2 0.01" --l2 0.01 --knn 0 --features last
variant "softmax, nested L2" --knn 0 --features last
variant "mid,last + kNN" --features mid,last
variant "middle layer + kNN (default)"
variant "nested L2 + kNN (last layer)" --features last
variant "nested L2 + kNN, --power 1" --features last --power 1
variant "+ inception_v3" "$both" --knn 0
variant "+ inception_v3 + kNN" "$both"
variant "+ inception_v3 + kNN, 3 seeds" "$both" --seeds 3
variant "mlp 256,128" --head mlp --hidden 256,128 --knn 0
