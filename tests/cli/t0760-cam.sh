#!/usr/bin/env bash
# label cam: class activation maps of the trained head over real photos,
# their numbers against a TensorFlow.js reference (tests/node/cam-reference.js),
# a layer's channels as a grid, and what is refused.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
export WINNOW_MODELS="$top/models"
node_dir="$top/tests/node"

copy_photos src/photo astronaut.png chelsea.png coffee.png rocket.jpg retina.jpg \
  hubble_deep_field.jpg motorcycle_left.png motorcycle_right.png
printf "rotate probability=0.7 max_left_rotation=15 max_right_rotation=15\nflip_left_right probability=0.5\n" >v.pipeline
photos_with_variants src ds v.pipeline 3
mkfixtures dataset ds 4 30 0 synth
mkfixtures bad bad
label predict --path ds -q 2>/dev/null
label train --path ds >/dev/null
hopper=/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
# a photo the head never saw, in a folder named for the other class
mkdir -p other/synth
cp src/photo/coffee.png other/synth/coffee.png

# compare.py REF RAW CLASSES TOL STEM...: label cam --raw's maps (RAW/STEM.*.csv)
# against cam-reference.js's (REF) within TOL; each map's mean is the
# logit the reference computed on the embedding (the map is exact), and
# the predicted map is of the class with the largest logit
cat >compare.py <<\EOF
import glob, json, os, struct, sys
ref, raw, classes, tol = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), float(sys.argv[4])
stems = sys.argv[5:]
k = len(classes)
v = open(ref, "rb").read()
v = struct.unpack("<%df" % (len(v) // 4), v)
per = len(v) // len(stems)
P = (per - k) // k
worst, n = 0.0, 0
for i, stem in enumerate(stems):
    maps, logits = v[i * per : i * per + k * P], v[i * per + k * P : (i + 1) * per]
    files = sorted(glob.glob(os.path.join(raw, stem + ".*.csv")))
    assert files, stem
    for f in files:
        role, cls = os.path.basename(f)[len(stem) + 1 : -4].split(".", 1)
        j = classes.index(cls)
        ours = [float(x) for line in open(f) for x in line.split(",")]
        assert len(ours) == P, (f, len(ours), P)
        worst = max([worst] + [abs(a - b) for a, b in zip(ours, maps[j * P : (j + 1) * P])])
        n += 1
        assert abs(sum(ours) / P - logits[j]) <= tol, (f, sum(ours) / P, logits[j])
        if role == "predicted":
            assert j == max(range(k), key=lambda c: logits[c]), (f, logits)
print("%d maps, largest difference %.3e" % (n, worst))
sys.exit(0 if worst <= tol else 1)
EOF

# The reference maps are kept in $WINNOW_GOLDEN (make test: build/golden),
# as t0700 keeps its outputs: InceptionV3 takes tfjs a minute for two images.
cache=${WINNOW_GOLDEN:-$scratch/golden}
mkdir -p "$cache"

# head_files DB MODEL DIR: the head of MODEL as cam-reference.js reads it
head_files() {
  local col
  mkdir -p "$3"
  for col in mean scale weights bias; do
    sqlite3 "$1" "SELECT hex($col) FROM heads WHERE name = \"$2\"" | xxd -r -p >"$3/$col.f32"
  done
}

# reference MODEL IN HEAD OUT: cam-reference.js's maps into OUT, from the
# cache or computed (a run that fails never enters the cache); prints its
# "LAYER HxW k" line
reference() {
  local key
  key=cam-$(cat "$1/model.json" "$2" "$3"/*.f32 "$node_dir/cam-reference.js" \
    "$node_dir/layers-model.js" | sha256sum | cut -c1-32)
  if [ ! -s "$cache/$key" ]; then
    node "$node_dir/cam-reference.js" "$1" "$2" "$3" "$cache/$key.$$" >"$cache/$key.shape.$$" 2>ref.err || return 1
    mv "$cache/$key.shape.$$" "$cache/$key.shape"
    mv "$cache/$key.$$" "$cache/$key"
  fi
  cp "$cache/$key" "$4"
  cat "$cache/$key.shape"
}

# size PNG: "W H" of a PNG's header
size() { python3 -c "import struct, sys; print(*struct.unpack('>II', open(sys.argv[1], 'rb').read()[16:24]))" "$1"; }

test_expect 'help and usage errors' '
  label --help | grep -q "label cam --path"
  label cam --help | grep -q "^usage: label cam --path FILE"
  label cam --help | grep -q "label cam --layer list"
  expect_exit 2 label cam --out maps
  expect_exit 2 label cam --path ds/photo/coffee.png
  expect_exit 2 label cam --path ds/photo/coffee.png --out maps --size 8
  expect_exit 2 label cam --path ds/photo/coffee.png --out maps --layer out_relu --raw
  expect_exit 2 label cam --path ds/photo/coffee.png ds/photo/coffee_0.jpg ds/synth/coffee.jpg --out maps 2>err
  grep -q "ds/photo/coffee.png and ds/synth/coffee.jpg would write the same files" err
  test_path_is_missing maps
'

test_expect 'two maps an image over the picture; a corrupt image is one line and the rest goes on' '
  expect_exit 1 label cam --path other/synth/coffee.png bad/truncated.jpg ds/photo/chelsea.png "$hopper" ds/photo/astronaut.png --out maps >rows 2>err
  # a photo in a folder named synth: predicted photo, folder synth
  grep -q "^other/synth/coffee.png	predicted	photo	0\.[0-9]*	maps/coffee.predicted.photo.png$" rows
  grep -q "^other/synth/coffee.png	folder	synth	0\.[0-9]*	maps/coffee.folder.synth.png$" rows
  grep -q "^ds/photo/chelsea.png	predicted	photo	" rows
  grep -q "^ds/photo/chelsea.png	folder	photo	" rows
  # its folder is no class: the predicted map only
  grep -q "^$hopper	predicted	" rows
  # after the corrupt one, the rest went on
  grep -q "^ds/photo/astronaut.png	folder	photo	" rows
  test "$(wc -l <rows)" -eq 7
  test "$(grep -c "truncated" err)" -eq 1
  grep -q "^label cam: bad/truncated.jpg: corrupt JPEG" err
  grep -q "^label cam: 5 images: 7 files written to maps, 1 failed$" err
  test "$(ls maps | wc -l)" -eq 7
  # the picture fits 512 pixels, its shape kept: chelsea is 451x300
  test "$(size maps/chelsea.folder.photo.png)" = "451 300"
  test "$(size maps/astronaut.folder.photo.png)" = "512 512"
  label cam --path ds/photo/astronaut.png --out small --size 100 >/dev/null 2>&1
  test "$(size small/astronaut.predicted.photo.png)" = "100 100"
  # the two classes map differently
  test_must_fail cmp -s maps/coffee.predicted.photo.png maps/coffee.folder.synth.png
  test_no_temp_files maps
  label cam --path ds/photo/astronaut.png --out csv --format csv >rows.csv 2>/dev/null
  head -1 rows.csv | grep -q "^path,role,class,probability,out$"
'

# same_run A B: label cam's rows, messages and files of a run into A
# equal those of a run into B (the folder names aside)
same_run() {
  sed "s#$1/#$2/#g" "$1.rows" >"$1.rows.b"
  cmp "$1.rows.b" "$2.rows"
  sed "s#$1\$#$2#; s#to $1,#to $2,#" "$1.err" >"$1.err.b"
  cmp "$1.err.b" "$2.err"
  test "$(ls "$1" | wc -l)" -eq "$(ls "$2" | wc -l)"
  for f in "$1"/*; do cmp "$f" "$2/${f#$1/}"; done
}

test_expect 'label cam -j 4 writes what -j 1 writes: rows, messages and files' '
  imgs="other/synth/coffee.png bad/truncated.jpg ds/photo/chelsea.png $hopper
    ds/photo/astronaut.png ds/photo/rocket.jpg bad/zero.jpg ds/synth/img000*"
  expect_exit 1 label cam -j 1 --path $imgs --out j1 >j1.rows 2>j1.err
  expect_exit 1 label cam -j 4 --path $imgs --out j4 >j4.rows 2>j4.err
  test "$(wc -l <j1.rows)" -eq 29
  grep -q "^label cam: 17 images: 29 files written to j1, 2 failed$" j1.err
  same_run j1 j4
  label cam --jobs 3 --raw --path $imgs --out r3 >r3.rows 2>r3.err || true
  label cam -j 1 --raw --path $imgs --out r1 >r1.rows 2>r1.err || true
  same_run r1 r3
  label cam -j 3 --layer out_relu --path $imgs --out l3 >l3.rows 2>l3.err || true
  label cam -j 1 --layer out_relu --path $imgs --out l1 >l1.rows 2>l1.err || true
  test "$(wc -l <l1.rows)" -eq 15
  same_run l1 l3
'

test_expect 'the maps equal TensorFlow.js'"'"'s within 1e-3 on real photos' '
  imgs="ds/photo/astronaut.png ds/photo/chelsea.png other/synth/coffee.png ds/photo/rocket.jpg $hopper"
  label cam --raw --path $imgs --out raw >/dev/null 2>&1
  test "$(ls raw/*.csv | wc -l)" -eq 9
  nntool prep "$top/models/mobilenet_v2" in.f32 $imgs
  head_files winnow.db mobilenet_v2 head
  reference "$top/models/mobilenet_v2" in.f32 head ref.f32 >shape
  grep -q "^out_relu 7x7 2$" shape
  python3 compare.py ref.f32 raw "$(sqlite3 winnow.db "SELECT classes FROM heads")" 1e-3 \
    astronaut chelsea coffee rocket grace_hopper >cmp
  grep -q "^9 maps, largest difference " cmp
'

test_expect 'InceptionV3 too, whose maps are of a concatenation (mixed10)' '
  mkdir -p small/photo small/synth
  cp src/photo/* small/photo/
  cp ds/synth/img000[0-7].* small/synth/
  label predict --path small --model inception_v3 --db i.db -q 2>/dev/null
  label train --path small --model inception_v3 --db i.db >/dev/null
  label cam --db i.db --model inception_v3 --raw --path small/photo/astronaut.png \
    small/synth/img0001.jpg --out rawi >/dev/null 2>&1
  test "$(ls rawi/*.csv | wc -l)" -eq 4
  nntool prep "$top/models/inception_v3" ini.f32 small/photo/astronaut.png small/synth/img0001.jpg
  head_files i.db inception_v3 headi
  reference "$top/models/inception_v3" ini.f32 headi refi.f32 >shape
  grep -q "^mixed10 8x8 2$" shape
  python3 compare.py refi.f32 rawi "$(sqlite3 i.db "SELECT classes FROM heads")" 1e-3 \
    astronaut img0001 >cmp
  grep -q "^4 maps, largest difference " cmp
'

test_expect 'a layer as a grid of channel maps; --layer list; unknown and folded layers' '
  label cam --layer list >layers
  grep -q "^out_relu	7x7x1280	pooled" layers
  grep -q "^Conv_1	7x7x1280	folded with out_relu$" layers
  grep -q "^block_3_expand_relu	56x56x144$" layers
  label cam --layer out_relu --path ds/photo/coffee.png --out grid >rows 2>/dev/null
  grep -q "^ds/photo/coffee.png	layer	out_relu		grid/coffee.out_relu.png$" rows
  # 1280 tiles of 7x7 cells at 5 pixels, 36 a row, a pixel apart
  test "$(size grid/coffee.out_relu.png)" = "1295 1295"
  label cam --layer block_3_expand_relu --path ds/photo/coffee.png --out grid >/dev/null 2>&1
  test "$(size grid/coffee.block_3_expand_relu.png)" = "683 683"
  expect_exit 2 label cam --layer nosuch --path ds/photo/coffee.png --out grid 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "has no layer .nosuch.: .label cam --layer list. lists them" err
  expect_exit 2 label cam --layer Conv_1 --path ds/photo/coffee.png --out grid 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "ask for .out_relu." err
'

test_expect 'no head, a head of other embeddings or another preparation: refused in one line' '
  db --db nohead.db init 2>/dev/null
  expect_exit 2 label cam --db nohead.db --path ds/photo/coffee.png --out x 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "no head for mobilenet_v2: run .label predict. and .label train." err
  expect_exit 2 label cam --nsfwjs-compat --path ds/photo/coffee.png --out x 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "trained on embeddings of the .default. preparation, not .nsfwjs.: drop --nsfwjs-compat" err
  sqlite3 winnow.db "INSERT INTO heads SELECT \"inception_v3\", prep, classes, dim, mean, scale, weights, bias, folds, l2, images, accuracy, made_ms, hidden FROM heads WHERE name = \"mobilenet_v2\""
  expect_exit 2 label cam --model inception_v3 --path ds/photo/coffee.png --out x 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "the head for inception_v3 reads 1280 features, but the model pools 2048" err
  test_path_is_missing x
'

test_expect 'a damaged head beside the model'"'"'s is not read; a hostile one is refused, no crash' '
  cp winnow.db hostile.db
  # dim 2^20 and 1025 classes: dim * classes * 4 wraps to 4 MiB in 32 bits
  sqlite3 hostile.db "INSERT INTO heads SELECT \"aaa\", prep, classes, 1048576, zeroblob(4194304),
    zeroblob(4194304), zeroblob(4194304), zeroblob(4100), folds, l2, images, accuracy, made_ms,
    hidden FROM heads WHERE name = \"mobilenet_v2\""
  label cam --db hostile.db --path ds/photo/coffee.png --out h1 2>err
  test_path_is_file h1/coffee.predicted.*.png
  sqlite3 hostile.db "DELETE FROM heads WHERE name = \"mobilenet_v2\";
    UPDATE heads SET name = \"mobilenet_v2\" WHERE name = \"aaa\""
  expect_exit 3 label cam --db hostile.db --path ds/photo/coffee.png --out h2 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "the head .mobilenet_v2. is damaged" err
  test_path_is_missing h2
'

test_done
