#!/usr/bin/env bash
# db issues' outlier: real photos with a document page and a chart among
# them, judged by the shipped MobileNetV2's embeddings (label predict).
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
export WINNOW_MODELS="$top/models"

copy_photos src astronaut.png chelsea.png coffee.png rocket.jpg retina.jpg \
  hubble_deep_field.jpg motorcycle_left.png motorcycle_right.png \
  /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
/usr/bin/python3 - <<'PY'
import os, random
from PIL import Image, ImageDraw, ImageFont

def font(size):
    f = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    return ImageFont.truetype(f, size) if os.path.exists(f) else ImageFont.load_default()

rng = random.Random(3)
os.makedirs("ds/photos")
os.makedirs("ds/few")
for n in sorted(os.listdir("src")):
    im = Image.open("src/" + n).convert("RGB")
    im.save("ds/photos/" + n.split(".")[0] + ".jpg", quality=92)
    im.transpose(Image.FLIP_LEFT_RIGHT).resize((im.width * 3 // 4, im.height * 3 // 4)).save(
        "ds/photos/" + n.split(".")[0] + "-small.jpg", quality=88)
# a page of text, as a scanner gives it
page = Image.new("RGB", (850, 1100), (246, 246, 240))
d = ImageDraw.Draw(page)
words = "the of data image model set results table figure method shows value".split()
for y in range(80, 1020, 24):
    d.text((80, y), " ".join(rng.choice(words) for _ in range(10)), fill=(20, 20, 20), font=font(16))
page.rotate(2, expand=True, fillcolor=(235, 235, 235)).save("ds/photos/page.png")
# the same page among three photos: a class too small to judge
page.save("ds/few/page.png")
for n in ("chelsea", "coffee", "rocket"):
    Image.open("ds/photos/%s.jpg" % n).save("ds/few/%s.jpg" % n)
PY

test_expect 'without embeddings: how to get them' '
  db scan -q ds 2>/dev/null
  db issues --path ds --format csv >none.csv 2>err
  grep -q "^db issues: no image embeddings for outlier: run .label predict --path ds. first$" err
  test_grep_not ",outlier," none.csv
  grep -q "^  outlier  *0$" err
  db issues --help | grep -q "label predict --path DIR"
'

test_expect 'the page among photos is the outlier, the photos are not' '
  label predict --path ds -q 2>/dev/null
  db issues --path ds --format csv --issue outlier >out.csv 2>err
  test_grep_not "no image embeddings" err
  sed -n 2p out.csv | grep -q "^ds/photos/page.png,photos,outlier,0\."
  test "$(grep -c ",outlier," out.csv)" -eq 1
  # and with room above the default (0.55): no photo scores under 0.7
  db issues --path ds --format csv --issue outlier --threshold outlier=0.7 >room.csv 2>/dev/null
  test "$(grep -c ",outlier," room.csv)" -eq 1
  db issues --help | grep -q "min(1, m/d); default 0.55$"
  # a class of four: too few to say what it looks like
  test_grep_not "^ds/few/" out.csv
  # every image past its class median: ranked, the page first
  db issues --path ds --format csv --issue outlier --threshold outlier=1 >all.csv 2>/dev/null
  test "$(grep -c ",outlier," all.csv)" -gt 5
  sed -n 2p all.csv | grep -q "^ds/photos/page.png,"
  grep -q "^  outlier  *1  photos 1$" err
'

test_expect 'another model has no embeddings yet' '
  db issues --path ds --issue outlier --model inception_v3 >inc.txt 2>err
  grep -q "run .label predict --path ds. first" err
  test_must_be_empty inc.txt
'

test_done
