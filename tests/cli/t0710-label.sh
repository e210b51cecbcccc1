#!/usr/bin/env bash
# label predict, train and suspects on real photos (Debian's scikit-image
# and matplotlib sample images) against synthetic pictures, with the
# shipped MobileNetV2; flipped labels must come out on top.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
export WINNOW_MODELS="$top/models"

# photos: nine real ones and three augmented variants of each; the other
# class: synthetic pictures
copy_photos src/photo astronaut.png chelsea.png coffee.png rocket.jpg retina.jpg \
  hubble_deep_field.jpg motorcycle_left.png motorcycle_right.png \
  /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
printf "rotate probability=0.7 max_left_rotation=15 max_right_rotation=15\nflip_left_right probability=0.5\nrandom_brightness probability=0.5 min_factor=0.7 max_factor=1.3\nzoom_random probability=0.5 percentage_area=0.8\n" >variants.pipeline
photos_with_variants src ds variants.pipeline 3
mkfixtures dataset ds 4 36 0 synth
mkfixtures bad bad

test_expect 'help and usage errors' '
  label --help | grep -q "label suspects --path train --format csv"
  label predict --help | grep -q "label predict --path train --model inception_v3"
  label train --help | grep -q "^usage: label train"
  label suspects --help | grep -q "^usage: label suspects"
  label --version | grep -q "^label (winnow) "
  expect_exit 2 label
  expect_exit 2 label nosuch
  expect_exit 2 label predict
  expect_exit 2 label train --path ds --folds 1
  expect_exit 2 label suspects --path ds --map nosep
'

test_expect 'a missing or damaged model says how to get it' '
  expect_exit 3 env WINNOW_MODELS=/nonexistent label predict --path ds --model nosuch --db m.db 2>err
  grep -q "model .nosuch. not found" err
  grep -q "make model" err
  cp -r "$top/models/mobilenet_v2" broken
  truncate -s 1000 broken/group1-shard1of1.bin
  expect_exit 3 label predict --path ds --model ./broken --db m.db 2>err
  grep -q "broken/model.json: the shards are shorter than the manifest says" err
  grep -q "remake it with .make model." err
'

test_expect 'predict stores probabilities and embeddings; corrupt files are skipped' '
  mkdir -p ds/odd
  cp bad/truncated.jpg bad/html.jpg ds/odd/
  expect_exit 1 label predict --path ds -q 2>err
  grep -q "ds/odd/truncated.jpg" err
  grep -q "ds/odd/html.jpg" err
  rm -rf ds/odd
  n=$(ls ds/photo ds/synth | grep -c "\.")
  test "$(sqlite3 winnow.db "SELECT count(*) FROM predictions WHERE model = \"mobilenet_v2\" AND length(probs) = 20 AND length(embedding) = 5120")" -eq "$n"
  sqlite3 winnow.db "SELECT classes FROM predictions LIMIT 1" | grep -q "^\[\"Drawing\",\"Hentai\",\"Neutral\",\"Porn\",\"Sexy\"\]$"
  # probabilities sum to 1
  label predict --path ds --format csv -q >probs.csv 2>err
  head -1 probs.csv | grep -q "^path,Drawing,Hentai,Neutral,Porn,Sexy$"
  test "$(tail -n +2 probs.csv | wc -l)" -eq "$n"
  tail -n +2 probs.csv | awk -F, "{s = \$2 + \$3 + \$4 + \$5 + \$6; if (s < 0.999 || s > 1.001) exit 1}"
  grep -q " 0 predicted, $n unchanged" err
  # the astronaut is Neutral
  grep "^ds/photo/astronaut.png," probs.csv | awk -F, "{exit !(\$4 > 0.5)}"
'

test_expect 'the same numbers whatever -j; a changed file is predicted again' '
  label predict --path ds --db j1.db -j 1 --format csv -q >a.csv 2>/dev/null
  label predict --path ds --db j2.db -j 2 --format csv -q >b.csv 2>/dev/null
  cmp a.csv b.csv
  cp ds/photo/coffee.png coffee.bak
  printf x >>ds/photo/coffee.png
  label predict --path ds -q 2>err
  grep -q " 1 predicted, " err
  cp coffee.bak ds/photo/coffee.png
  label predict --path ds -q 2>err
  grep -q " 1 predicted, " err
'

test_expect 'train: cross-validated accuracy, the confusion matrix, the head' '
  label train --path ds >out
  grep -q "^cross-validated accuracy 0\.[89][0-9]* ([0-9]* images, 2 classes, 5 folds)$" out ||
    grep -q "^cross-validated accuracy 1\.0000 " out
  grep -q "^photo	" out
  grep -q "^synth	" out
  n=$(ls ds/photo ds/synth | grep -c "\.")
  test "$(sqlite3 winnow.db "SELECT count(*) FROM predictions WHERE model = \"cv:mobilenet_v2\"")" -eq "$n"
  test "$(sqlite3 winnow.db "SELECT dim, folds, images FROM heads WHERE name = \"mobilenet_v2\"")" = "1280|5|$n"
  label train --path ds --format csv >out.csv
  head -1 out.csv | grep -q "^class,photo,synth$"
  # seed 0 is a seed, not a usage error that runs anyway
  label train --path ds --seed 0 >out0 2>err0
  test_must_be_empty err0
  cmp out out0
  label train --path ds --seed 5 --seed 0 >out50
  cmp out out50
  expect_exit 2 label train --path ds --seed x
'

test_expect 'train: the penalty by nested cross-validation, or as given' '
  label train --path ds >out
  grep -q "^L2 [0-9.e-]* by nested cross-validation (each fold.s: [0-9.e-]* [0-9.e-]* [0-9.e-]* [0-9.e-]* [0-9.e-]*); log loss [0-9.]*$" out
  l2=$(sed -n "s/^L2 \([0-9.e-]*\) by nested.*/\1/p" out)
  test "$(sqlite3 winnow.db "SELECT l2 = $l2 FROM heads WHERE name = \"mobilenet_v2\"")" = 1
  sqlite3 winnow.db "SELECT counts FROM runs WHERE command = \"label train\" ORDER BY id DESC LIMIT 1" >counts
  grep -q "\"l2\":$l2," counts
  label train --path ds --l2 0.05 >out
  grep -q "^L2 0.05 as given; log loss [0-9.]*$" out
  test "$(sqlite3 winnow.db "SELECT l2 = 0.05 FROM heads WHERE name = \"mobilenet_v2\"")" = 1
  expect_exit 2 label train --path ds --l2 -1
'

test_expect 'train --model A,B: the embeddings of two models side by side' '
  cp -r "$top/models/mobilenet_v2" twin
  label predict --path ds --model ./twin -q 2>/dev/null
  label train --path ds --model mobilenet_v2,./twin >out
  n=$(ls ds/photo ds/synth | grep -c "\.")
  grep -q "^cross-validated accuracy [01]\.[0-9]* ($n images, 2 classes, 5 folds)$" out
  test "$(sqlite3 winnow.db "SELECT dim, images FROM heads WHERE name = \"mobilenet_v2,twin\"")" = "2560|$n"
  test "$(sqlite3 winnow.db "SELECT count(*) FROM predictions WHERE model = \"cv:mobilenet_v2,twin\"")" -eq "$n"
  label suspects --path ds --model mobilenet_v2,twin --top 3 --format csv >s.csv 2>err
  test "$(tail -n +2 s.csv | wc -l)" -eq 3
  grep -q "(cv:mobilenet_v2,twin probabilities)" err
  # an image without an embedding of the second model is left out
  sqlite3 winnow.db "DELETE FROM predictions WHERE model = \"twin\" AND image_id = (SELECT min(image_id) FROM predictions WHERE model = \"twin\")"
  label train --path ds --model mobilenet_v2,twin >out
  grep -q "($((n - 1)) images, 2 classes" out
  expect_exit 2 label train --path ds --model mobilenet_v2,nosuch 2>err
  grep -q "no images under ds with embeddings of all of mobilenet_v2,nosuch" err
  expect_exit 2 label train --path ds --model a,b,c,d,e 2>err
  grep -q "4 models at most" err
'

test_expect 'train: the neighbour vote, draws of the folds, the MLP head' '
  label train --path ds --l2 0.05 >a
  grep -q "^neighbour vote: 10 nearest, weight 0.5$" a
  label train --path ds --l2 0.05 --knn 0 >a0
  test_grep_not "neighbour vote" a0
  sqlite3 winnow.db "SELECT hex(probs) FROM predictions WHERE model = \"cv:mobilenet_v2\" ORDER BY image_id" >p0
  label train --path ds --l2 0.05 --knn 5 --knn-weight 0.3 >b
  grep -q "^neighbour vote: 5 nearest, weight 0.3$" b
  sqlite3 winnow.db "SELECT hex(probs) FROM predictions WHERE model = \"cv:mobilenet_v2\" ORDER BY image_id" >p1
  label train --path ds --l2 0.05 --seeds 3 >c
  sqlite3 winnow.db "SELECT hex(probs) FROM predictions WHERE model = \"cv:mobilenet_v2\" ORDER BY image_id" >p2
  test_must_fail cmp -s p0 p1
  test_must_fail cmp -s p0 p2
  before=$(sqlite3 winnow.db "SELECT hex(weights) FROM heads WHERE name = \"mobilenet_v2\"")
  label train --path ds --head mlp --hidden 32,16 >m
  grep -q "^L2 0.001 on the MLP.s first layer; log loss [0-9.]*$" m
  grep -q "^cross-validated accuracy " m
  sqlite3 winnow.db "SELECT hex(probs) FROM predictions WHERE model = \"cv:mobilenet_v2\" ORDER BY image_id" >p3
  test_must_fail cmp -s p0 p3
  test -n "$before"
  # the MLP fitted on everything replaces the softmax head kept before
  test "$(sqlite3 winnow.db "SELECT hidden FROM heads WHERE name = \"mobilenet_v2\"")" = 32,16
  label train --path ds --head mlp --hidden 32,16 --seed 3 >m3
  label train --path ds --head mlp --hidden 32,16 --seed 3 >m3b
  cmp m3 m3b
  expect_exit 2 label train --path ds --knn 101
  expect_exit 2 label train --path ds --knn-weight 2
  expect_exit 2 label train --path ds --seeds 21
  expect_exit 2 label train --path ds --head tree
  expect_exit 2 label train --path ds --hidden 0
  expect_exit 2 label train --path ds --hidden 8,8,8
  label train --path ds >/dev/null
'

test_expect 'train --power: cross-validation on powered embeddings, the head kept on raw ones' '
  label train --path ds --l2 0.05 >a
  grep -q "^embeddings to the power 0.5 for the cross-validation$" a
  sqlite3 winnow.db "SELECT counts FROM runs WHERE command = \"label train\" ORDER BY id DESC LIMIT 1" >counts
  grep -q "\"power\":0.5}" counts
  sqlite3 winnow.db "SELECT hex(probs) FROM predictions WHERE model = \"cv:mobilenet_v2\" ORDER BY image_id" >p5
  sqlite3 winnow.db "SELECT hex(weights) || \" \" || hex(bias) FROM heads WHERE name = \"mobilenet_v2\"" >h5
  label train --path ds --l2 0.05 --power 1 >b
  test_grep_not "to the power" b
  sqlite3 winnow.db "SELECT hex(probs) FROM predictions WHERE model = \"cv:mobilenet_v2\" ORDER BY image_id" >p1
  sqlite3 winnow.db "SELECT hex(weights) || \" \" || hex(bias) FROM heads WHERE name = \"mobilenet_v2\"" >h1
  test_must_fail cmp -s p5 p1
  # the head kept reads the embeddings as they are whatever the power:
  # the same fit, to within where L-BFGS stops
  python3 -c "
import struct, sys
def floats(f):
    w, b = open(f).read().split()
    return [struct.unpack(\"<%df\" % (len(h) // 8), bytes.fromhex(h)) for h in (w, b)]
(w5, b5), (w1, b1) = floats(\"h5\"), floats(\"h1\")
scale = max(abs(v) for v in w1)
diff = max(abs(x - y) for x, y in zip(w5 + b5, w1 + b1))
sys.exit(0 if len(w5) == len(w1) and diff < 0.02 * scale else \"heads differ by %g (weights up to %g)\" % (diff, scale))
"
  label train --path ds --power 0.5 >c
  grep -q "to the power 0.5" c
  expect_exit 2 label train --path ds --power 0
  expect_exit 2 label train --path ds --power 1.5
  expect_exit 2 label train --path ds --power x
'

test_expect 'train cross-validates on the middle layer predict keeps; mid,last and last on request' '
  n=$(ls ds/photo ds/synth | grep -c "\.")
  test "$(sqlite3 winnow.db "SELECT count(*) FROM predictions WHERE model = \"mid:mobilenet_v2\" AND length(embedding) = 2304")" -eq "$n"
  # averages of ReLU outputs: none negative, not all zero
  sqlite3 winnow.db "SELECT hex(embedding) FROM predictions WHERE model = \"mid:mobilenet_v2\"" >mid.hex
  python3 -c "
import struct, sys
for h in open(\"mid.hex\"):
    v = struct.unpack(\"<576f\", bytes.fromhex(h.strip()))
    if min(v) < 0 or max(v) <= 0: sys.exit(\"not a ReLU layer average\")
"
  label train --path ds >a
  grep -q "^cross-validated on the middle layer block_13_depthwise_relu (576 wide), each fold" a
  sqlite3 winnow.db "SELECT counts FROM runs WHERE command = \"label train\" ORDER BY id DESC LIMIT 1" >counts
  grep -q "\"features\":\"mid\"" counts
  label train --path ds --features mid,last >m
  grep -q "^cross-validated on the middle layer block_13_depthwise_relu and the embeddings side by side (1856 wide), each fold" m
  sqlite3 winnow.db "SELECT counts FROM runs WHERE command = \"label train\" ORDER BY id DESC LIMIT 1" >counts
  grep -q "\"features\":\"mid,last\"" counts
  test "$(sqlite3 winnow.db "SELECT dim FROM heads WHERE name = \"mobilenet_v2\"")" = 1280
  sqlite3 winnow.db "SELECT hex(probs) FROM predictions WHERE model = \"cv:mobilenet_v2\" ORDER BY image_id" >pmid
  label train --path ds --features last >b
  test_grep_not "middle layer" b
  sqlite3 winnow.db "SELECT counts FROM runs WHERE command = \"label train\" ORDER BY id DESC LIMIT 1" >counts
  grep -q "\"features\":\"last\"" counts
  sqlite3 winnow.db "SELECT hex(probs) FROM predictions WHERE model = \"cv:mobilenet_v2\" ORDER BY image_id" >plast
  test_must_fail cmp -s pmid plast
  # an image without them (a catalog from before): the last layer, as --features last
  sqlite3 winnow.db "DELETE FROM predictions WHERE model = \"mid:mobilenet_v2\" AND image_id = (SELECT min(image_id) FROM predictions)"
  label train --path ds >c
  cmp b c
  expect_exit 2 label train --path ds --features mid 2>err
  grep -q ": --features mid: not every image under ds has the middle layer.s features" err
  # predict runs that image again, and the middle layer is back
  label predict --path ds -q 2>err
  grep -q " 1 predicted, $((n - 1)) unchanged" err
  label train --path ds --features mid >d
  cmp a d
  label train --path ds --features mid,last >e
  cmp m e
  expect_exit 2 label train --path ds --features mid,last --model mobilenet_v2,twin 2>err
  grep -q ": --features mid,last reads one model.s middle layer: give one --model" err
  # a penalty given: none is chosen, and the line says so
  label train --path ds --l2 0.1 >f
  grep -q "^cross-validated on the middle layer block_13_depthwise_relu (576 wide); the head kept reads the embeddings$" f
  expect_exit 2 label train --path ds --features x
'

test_expect 'train refuses one class, with the reason' '
  mkdir -p one/only
  cp src/photo/* one/only/
  label predict --path one -q --db one.db 2>/dev/null
  expect_exit 2 label train --path one --db one.db 2>err
  grep -q "one class folder (.only.)" err
  expect_exit 2 label train --path ds --db empty.db 2>err || expect_exit 3 label train --path ds --db empty.db 2>err
'

test_expect 'suspects: flipped labels come out on top' '
  mv ds/photo/chelsea.png ds/synth/chelsea.png
  mv ds/synth/img0003.jpg ds/photo/img0003.jpg
  label predict --path ds -q 2>/dev/null
  label train --path ds >/dev/null
  label suspects --path ds --top 5 --format csv >s.csv 2>err
  head -1 s.csv | grep -q "^path,given,predicted,confidence,score$"
  grep -q "^ds/synth/chelsea.png,synth,photo," s.csv
  grep -q "^ds/photo/img0003.jpg,photo,synth," s.csv
  # the default lists what confident learning flags; both are among them
  label suspects --path ds --format csv >flagged.csv 2>err
  grep -q "flagged by confident learning" err
  grep -q "^ds/synth/chelsea.png," flagged.csv
  grep -q "^ds/photo/img0003.jpg," flagged.csv
  # ranked: scores never rise down the list
  tail -n +2 s.csv | cut -d, -f5 | sort -g -r -c
'

test_expect 'suspects: exact copies in two class folders are listed first' '
  cp ds/photo/rocket.jpg ds/synth/rocket-copy.jpg
  label predict --path ds -q 2>/dev/null
  label suspects --path ds --format csv >s.csv 2>err
  sed -n 2p s.csv | grep -q ",1.000000,1.000000$"
  grep -q "^ds/photo/rocket.jpg,photo,synth,1.000000,1.000000$" s.csv
  grep -q "^ds/synth/rocket-copy.jpg,synth,photo,1.000000,1.000000$" s.csv
  grep -q "2 in two class folders" err
  rm ds/synth/rocket-copy.jpg
'

test_expect 'suspects: near copies dedup found across classes are listed too' '
  resize --path src --out small --size 200 -q --db small.db 2>/dev/null
  cp small/photo/coffee.jpg ds/synth/coffee-small.jpg
  dedup --path ds -q >/dev/null 2>&1
  label predict --path ds -q 2>/dev/null
  label suspects --path ds --format csv >s.csv 2>err
  grep -q "^ds/synth/coffee-small.jpg,synth,photo,1.000000,1.000000$" s.csv
  grep -q "^ds/photo/coffee.png,photo,synth,1.000000,1.000000$" s.csv
  rm ds/synth/coffee-small.jpg
'

test_expect 'suspects with the pretrained classes: folders map onto them' '
  mkdir -p pre/neutral pre/drawings
  cp src/photo/* pre/neutral/
  cp ds/synth/img000*.jpg pre/drawings/
  label predict --path pre -q --db pre.db 2>/dev/null
  label suspects --path pre --db pre.db --top 3 2>err >/dev/null
  grep -q "(mobilenet_v2 probabilities)" err
  mkdir -p pre/cats
  cp src/photo/chelsea.png pre/cats/
  label predict --path pre -q --db pre.db 2>/dev/null
  expect_exit 2 label suspects --path pre --db pre.db 2>err
  grep -q "folder .cats. is none of mobilenet_v2.s classes" err
  label suspects --path pre --db pre.db --map cats=Neutral --top 2 2>err >/dev/null
'

test_expect 'suspects: images removed or turned into symlinks after predict are left out' '
  cp ds/photo/rocket.jpg ds/synth/rocket-gone.jpg
  cp ds/photo/coffee.png ds/synth/coffee-link.png
  label predict --path ds -q 2>/dev/null
  map="--map photo=Neutral --map synth=Drawing"
  label suspects --path ds $map --top 1000 --format csv >s.csv 2>err
  grep -q "^ds/synth/rocket-gone.jpg,synth,photo,1.000000,1.000000$" s.csv
  grep -q "^ds/photo/rocket.jpg,photo,synth,1.000000,1.000000$" s.csv
  grep -q "^ds/synth/coffee-link.png," s.csv
  n=$(sed -n "s/^label suspects: \([0-9]*\) images.*/\1/p" err)
  rm ds/synth/rocket-gone.jpg ds/synth/coffee-link.png
  ln -s ../photo/coffee.png ds/synth/coffee-link.png
  label suspects --path ds $map --top 1000 --format csv >s.csv 2>err
  test_grep_not "^ds/synth/rocket-gone.jpg," s.csv
  test_grep_not "^ds/synth/coffee-link.png," s.csv
  test_grep_not "^ds/photo/rocket.jpg,photo,synth,1.000000,1.000000$" s.csv
  grep -q "^label suspects: $((n - 2)) images" err
  rm ds/synth/coffee-link.png
'

test_done
