#!/usr/bin/env bash
# db issues: one image of each issue among clean photos and photo-like
# images (noise over gradients), made here with PIL from real photos.
. "$(dirname "$0")/lib.sh"

copy_photos src astronaut.png chelsea.png coffee.png rocket.jpg motorcycle_left.png
/usr/bin/python3 - <<'EOF'
import os
import numpy as np
from PIL import Image, ImageFilter

def photo(name):
    return Image.open("src/" + name).convert("RGB")

def save(im, path, **kw):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im.save(path, **kw)

rng = np.random.default_rng(7)
for i in range(8):
    # photo-like: two gradients, colour, and noise; 560..720 px wide
    w, h = 560 + 20 * i, 420 + 15 * i
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x * 200 / w, y * 180 / h, (x + y) * 120 / (w + h) + 40], axis=2)
    a += rng.normal(0, 18, a.shape)
    save(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)),
         "ds/%s/synth%d.jpg" % ("cats" if i % 2 else "dogs", i), quality=90)
for n in ("chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png"):
    save(photo(n), "ds/cats/clean-" + n.split(".")[0] + ".jpg", quality=92)
astro = photo("astronaut.png")
save(astro, "ds/dogs/clean-astronaut.jpg", quality=92)
# two blurs, the stronger one first in the list
save(astro.filter(ImageFilter.GaussianBlur(16)), "ds/dogs/blur-strong.jpg", quality=92)
save(photo("coffee.png").filter(ImageFilter.GaussianBlur(7)), "ds/cats/blur-weak.jpg", quality=92)
c = np.asarray(photo("chelsea.png"), dtype=np.float64)
save(Image.fromarray((c * 0.12).astype(np.uint8)), "ds/cats/dark.jpg", quality=92)
save(Image.fromarray((255 - (255 - c) * 0.15).astype(np.uint8)), "ds/cats/light.jpg", quality=92)
save(Image.new("RGB", (640, 480), (90, 120, 160)), "ds/dogs/flat.png")
save(photo("chelsea.png").convert("L").convert("RGB"), "ds/cats/grey-as-rgb.jpg", quality=92)
m = photo("motorcycle_left.png")
save(m.crop((0, 100, m.width, 100 + m.width // 5)), "ds/dogs/banner.jpg", quality=92)
save(astro.filter(ImageFilter.GaussianBlur(16)).resize((24, 20)), "ds/dogs/tiny.png")
EOF

test_expect 'usage and bad input' '
  db issues --help >help
  grep -q "db issues --path train --issue blurry,dark" help
  grep -q "low_information" help
  db --help | grep -q "issues"
  expect_exit 2 db issues
  db init
  expect_exit 2 db issues --path ds --issue fuzzy
  expect_exit 2 db issues --path ds --issue ""
  expect_exit 2 db issues --path ds --threshold blurry
  expect_exit 2 db issues --path ds --threshold blurry=1.5
  expect_exit 2 db issues --path ds --threshold sharp=0.5
  expect_exit 2 db issues --path ds --issue dark,outlyer 2>err
  grep -q "odd_size, outlier)" err
  expect_exit 3 db issues --path ds --db nowhere/x.db
'

test_expect 'one row per image and issue, each issue most severe first' '
  db scan -q ds 2>/dev/null
  db issues --path ds --format csv >out.csv 2>err
  head -1 out.csv >header
  echo "path,class,issue,score" >want
  cmp want header
  grep -q "^ds/dogs/blur-strong.jpg,dogs,blurry," out.csv
  grep -q "^ds/cats/blur-weak.jpg,cats,blurry," out.csv
  grep -q "^ds/cats/dark.jpg,cats,dark," out.csv
  grep -q "^ds/cats/light.jpg,cats,light," out.csv
  grep -q "^ds/dogs/flat.png,dogs,low_information," out.csv
  grep -q "^ds/cats/grey-as-rgb.jpg,cats,grayscale," out.csv
  grep -q "^ds/dogs/banner.jpg,dogs,odd_aspect_ratio," out.csv
  grep -q "^ds/dogs/tiny.png,dogs,odd_size," out.csv
  # a flat image is low_information, not blurry; a tiny one odd_size, not blurry
  test_grep_not "^ds/dogs/flat.png,dogs,blurry" out.csv
  test_grep_not "^ds/dogs/tiny.png,dogs,blurry" out.csv
  # clean photos and photo-likes: nothing
  test_grep_not "clean-\|synth" out.csv
  # issues in the fixed order, rows of one issue by score, lowest first
  cut -d, -f3 out.csv | sed 1d | uniq >order
  printf "%s\n" blurry dark light low_information grayscale odd_aspect_ratio odd_size >all
  grep -xFf order all >expected_order
  cmp expected_order order
  sed 1d out.csv | sort -t, -k3,3 -s | sort -t, -s -k3,3 -k4,4g >sorted
  sed 1d out.csv | sort -t, -s -k3,3 >by_issue
  cmp sorted by_issue
  grep ",blurry," out.csv | head -1 | grep -q "blur-strong"
  grep -q "^db issues: 21 images, " err
  grep -q "^  blurry  *2  cats 1  dogs 1$" err
  grep -q "^  odd_size  *1  dogs 1$" err
'

test_expect 'thresholds, a choice of issues, and the formats' '
  db issues --path ds --format csv --threshold blurry=0 >none.csv 2>/dev/null
  test_grep_not ",blurry," none.csv
  db issues --path ds --format csv --threshold dark=0.99 >more.csv 2>/dev/null
  test "$(grep -c ",dark," more.csv)" -gt 1
  db issues --path ds --format csv --issue grayscale,dark >two.csv 2>err
  test "$(sed 1d two.csv | cut -d, -f3 | sort -u | tr "\n" " ")" = "dark grayscale "
  test_grep_not "blurry" err
  db issues --path ds --format jsonl >out.jsonl 2>/dev/null
  /usr/bin/python3 -c "import json,sys; rows=[json.loads(l) for l in open(\"out.jsonl\")]; assert rows and set(rows[0]) == {\"path\", \"class\", \"issue\", \"score\"}, rows[0]; assert all(0 <= float(r[\"score\"]) <= 1 for r in rows)"
  db issues --path ds >out.txt 2>/dev/null
  test "$(wc -l <out.txt)" -eq "$(($(wc -l <out.csv) - 1))"
  grep -q "^ds/dogs/banner.jpg	dogs	odd_aspect_ratio	0\." out.txt
  db issues --path ds/cats --format csv >cats.csv 2>/dev/null
  test_grep_not "^ds/dogs" cats.csv
'

test_expect '--signals: every image, its issues and signals, the skin share among them' '
  db issues --path ds --signals --format csv >sig.csv 2>/dev/null
  head -1 sig.csv >header
  echo "path,class,issues,sharpness,luma_p5,luma_p99,entropy,chroma,colourfulness,skin,outlier" >want
  cmp want header
  test "$(sed 1d sig.csv | wc -l)" -eq 21
  grep -q "^ds/dogs/flat.png,dogs,low_information," sig.csv
  grep -q "^ds/cats/clean-chelsea.jpg,cats,," sig.csv
  # grey has no skin; the astronaut has a face and hands
  grep -q "^ds/cats/grey-as-rgb.jpg,cats,grayscale,.*,0.0000,1.0000$" sig.csv
  skin=$(grep "^ds/dogs/clean-astronaut.jpg," sig.csv | cut -d, -f10)
  /usr/bin/python3 -c "import sys; assert 0.02 < float(sys.argv[1]) < 1, sys.argv[1]" "$skin"
'

test_expect 'db split --exclude-issues leaves them out of every split' '
  db split --out every -q 2>/dev/null
  test "$(cat every/*.csv | grep -c "^ds/")" -eq 21
  db split --out some --exclude-issues dark,blurry 2>err
  grep -q "^db split: 3 images left out for their issues: blurry 2 dark 1$" err
  cat some/*.csv >rows
  test "$(grep -c "^ds/" rows)" -eq 18
  test_grep_not "dark.jpg\|blur-" rows
  grep -q "^ds/cats/light.jpg," rows
  expect_exit 2 db split --out x --exclude-issues fuzzy 2>err
  grep -q "fuzzy. is not an issue" err
  test_path_is_missing x
  db split --out o --exclude-issues outlier 2>err
  grep -q "no image embeddings for outlier" err
  grep -q "0 images left out" err
  db split --help | grep -q -- "--exclude-issues KIND"
'

test_expect 'an older catalog gets its signals from the next scan, each file read once' '
  sqlite3 winnow.db "UPDATE images SET sharpness = NULL, luma_p5 = NULL, luma_p99 = NULL, entropy = NULL, chroma = NULL, colourfulness = NULL, skin = NULL"
  db issues --path ds --format csv >empty.csv 2>err
  test "$(wc -l <empty.csv)" -eq 1
  grep -q "21 images have no quality signals yet: run .db scan ds." err
  db scan ds 2>scan.err
  grep -q "21 read, 0 unchanged" scan.err
  db issues --path ds --format csv >again.csv 2>/dev/null
  cmp out.csv again.csv
'

test_expect 'resize records the signals of what it writes' '
  resize --path ds --out small --size 320 -q --db r.db 2>/dev/null
  test "$(sqlite3 r.db "SELECT count(*) FROM images WHERE sharpness IS NOT NULL")" -eq 21
  db issues --path small --db r.db --format csv >small.csv 2>/dev/null
  grep -q "^small/dogs/flat.jpg,dogs,low_information," small.csv
'

test_done
