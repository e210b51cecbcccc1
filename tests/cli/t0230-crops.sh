#!/usr/bin/env bash
# dedup --crops: cropped copies (off centre, mirrored, turned, rescaled,
# recompressed) of real photos, what must not match (a 30% crop, a stereo
# pair, two overlapping parts of one photo, too small and flat images),
# the catalogued features (computed once, for a changed file again, read
# without image data), --delete's rule, --across and db split.
. "$(dirname "$0")/lib.sh"

cat >mk.py <<'EOT'
import sys, os
from PIL import Image, ImageOps
skd = "/usr/lib/python3/dist-packages/skimage/data"
out = sys.argv[1]
os.makedirs(out + "/c", exist_ok=True)
def crop(im, x0, y0, x1, y1):
    w, h = im.size
    return im.crop((round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h)))
def save(im, name, q=85):
    p = f"{out}/c/{name}"
    if name.endswith(".png"):
        im.save(p)
    else:
        im.convert("RGB").save(p, quality=q)
astro = Image.open(f"{skd}/astronaut.png").convert("RGB")
coffee = Image.open(f"{skd}/coffee.png").convert("RGB")
chelsea = Image.open(f"{skd}/chelsea.png").convert("RGB")
rocket = Image.open(f"{skd}/rocket.jpg").convert("RGB")
save(astro, "astronaut.jpg", 92)
# off-centre: 75% of each side from the right and top, rescaled, recompressed
save(crop(astro, 0.22, 0.03, 0.97, 0.78).resize((300, 300), Image.LANCZOS), "astronaut-off.jpg", 75)
# 30% of each side: not this kind of crop
save(crop(astro, 0.35, 0.35, 0.65, 0.65), "astronaut-30.jpg")
# 45% of each side, outside the off-centre crop: too small a crop too
save(crop(astro, 0.0, 0.5, 0.45, 0.95), "astronaut-45.jpg")
save(coffee, "coffee.png")
# mirrored 70% crop, off centre
save(ImageOps.mirror(crop(coffee, 0.05, 0.25, 0.75, 0.95)), "coffee-flipcrop.jpg", 80)
save(chelsea, "chelsea.jpg", 92)
# 80% crop turned by 90 degrees
save(crop(chelsea, 0.1, 0.1, 0.9, 0.9).transpose(Image.ROTATE_90), "chelsea-rotcrop.jpg", 85)
# two overlapping thirds of one photo (each keeps 65% of the width):
# shared content, but neither is a crop of the other
save(crop(rocket, 0.0, 0.0, 0.65, 1.0), "rocket-left.jpg")
save(crop(rocket, 0.35, 0.0, 1.0, 1.0), "rocket-right.jpg")
# a stereo pair: the same scene from two viewpoints
save(Image.open(f"{skd}/motorcycle_left.png").convert("RGB"), "moto-left.jpg")
save(Image.open(f"{skd}/motorcycle_right.png").convert("RGB"), "moto-right.jpg")
# too small and flat, each with a crop of itself
tiny = rocket.resize((24, 24), Image.LANCZOS)
save(tiny, "tiny.png")
save(crop(tiny, 0.1, 0.1, 0.9, 0.9).resize((24, 24)), "tiny-crop.png")
flat = Image.new("RGB", (200, 160), (120, 130, 140))
save(flat, "flat.png")
save(crop(flat, 0.1, 0.1, 0.9, 0.9), "flat-crop.png")
EOT
/usr/bin/python3 mk.py d

test_expect 'each crop joins its source; nothing else is grouped as a crop' '
  dedup --path d --crops --format csv -q >out.csv 2>err
  grep -qE "^[0-9]+,crop,0,c,d/c/astronaut.jpg,keep$" out.csv
  grep -qE "^[0-9]+,crop,[0-9]+,c,d/c/astronaut-off.jpg,report$" out.csv
  grep -qE "^[0-9]+,crop,[0-9]+,c,d/c/coffee-flipcrop.jpg,report$" out.csv
  grep -qE "^[0-9]+,crop,[0-9]+,c,d/c/chelsea-rotcrop.jpg,report$" out.csv
  test "$(grep -c ",crop," out.csv)" -eq 6
  test "$(grep "astronaut" out.csv | cut -d, -f1 | sort -u | wc -l)" -eq 1
  test "$(grep "coffee" out.csv | cut -d, -f1 | sort -u | wc -l)" -eq 1
  test_grep_not "astronaut-30" out.csv
  test_grep_not "astronaut-45" out.csv
  test_grep_not "rocket" out.csv
  test_grep_not "moto" out.csv
  test_grep_not "flat" out.csv
  test_grep_not ",crop,.*tiny" out.csv
  grep -q " 3 cropped" err
  # the tiny and flat images never reach the crop search: the run
  # reports them as not compared at all
  grep -q " 2 flat images not compared" err
  grep -q " 2 too small (under 32 px a side) not compared" err
'

test_expect 'without --crops no crop is looked for; --match crop alone finds them' '
  dedup --path d --format csv -q >plain.csv
  test_grep_not ",crop," plain.csv
  test_grep_not "astronaut-off" plain.csv
  dedup --path d --match crop --format csv -q >only.csv
  test "$(grep -c ",crop," only.csv)" -eq 6
  dedup --path d --match exact,near,crop --format csv -q >some.csv
  grep -q "coffee-flipcrop.jpg,report$" some.csv
'

test_expect 'text, contact sheet and run record name the crops' '
  dedup --path d --crops -q --html d.html >d.txt
  grep -q "astronaut-off.jpg  (crop, distance [0-9]*)$" d.txt
  grep -q "cropped distance" d.html
  test "$(sqlite3 winnow.db "SELECT json_extract(counts, \"$.crop_duplicates\") FROM runs ORDER BY id DESC LIMIT 1")" -eq 3
'

test_expect 'features are computed once, and a second run reads no image data' '
  test "$(sqlite3 winnow.db "SELECT json_extract(counts, \"$.crop_features_made\") FROM runs WHERE argv LIKE \"%--crops%\" ORDER BY id LIMIT 1")" -eq 12
  test "$(sqlite3 winnow.db "SELECT count(*) FROM features")" -eq 12
  # every file overwritten with zeros of its size, its mtime put back: a
  # run that read any image data would find them corrupt
  cp -a d saved
  for f in d/c/*; do
    head -c "$(stat -c %s "$f")" /dev/zero >z
    cat z >"$f"
    touch -r "saved/${f#d/}" "$f"
  done
  dedup --path d --crops --format csv -q >again.csv 2>err
  diff out.csv again.csv
  test_grep_not corrupt err
  test "$(sqlite3 winnow.db "SELECT json_extract(counts, \"$.crop_features_made\") FROM runs ORDER BY id DESC LIMIT 1")" -eq 0
  rm -rf d
  mv saved d
'

test_expect 'a changed file gets new features; a removed row takes its own along' '
  /usr/bin/python3 -c "from PIL import Image; Image.open(\"d/c/chelsea.jpg\").save(\"d/c/chelsea.jpg\", quality=70)"
  dedup --path d --crops --format csv -q >changed.csv
  test "$(sqlite3 winnow.db "SELECT json_extract(counts, \"$.crop_features_made\") FROM runs ORDER BY id DESC LIMIT 1")" -eq 1
  grep -q "chelsea-rotcrop.jpg,report$" changed.csv
  # a new crop: the recorded search is not this set''s, so it searches again
  /usr/bin/python3 -c "from PIL import Image; Image.open(\"d/c/coffee-flipcrop.jpg\").rotate(180).save(\"d/c/coffee-again.jpg\", quality=90)"
  dedup --path d --crops --format csv -q >added.csv
  grep -qE "^[0-9]+,crop,[0-9]+,c,d/c/coffee-again.jpg,report$" added.csv
  rm d/c/coffee-again.jpg
  test "$(sqlite3 winnow.db "SELECT count(*) FROM crop_searches")" -eq 3
  sqlite3 winnow.db "PRAGMA foreign_keys = ON; DELETE FROM dup_groups; DELETE FROM conflicts;
    DELETE FROM events; DELETE FROM images WHERE path LIKE \"%coffee.png\""
  test "$(sqlite3 winnow.db "SELECT count(*) FROM features")" -eq 12
'

test_expect 'a catalog made without --crops gets the features once' '
  dedup --path d -q --db old.db >/dev/null
  test "$(sqlite3 old.db "SELECT count(*) FROM features")" -eq 0
  dedup --path d --crops -q --db old.db --format csv >old1.csv
  test "$(sqlite3 old.db "SELECT json_extract(counts, \"$.crop_features_made\") FROM runs ORDER BY id DESC LIMIT 1")" -eq 12
  dedup --path d --crops -q --db old.db --format csv >old2.csv
  test "$(sqlite3 old.db "SELECT json_extract(counts, \"$.crop_features_made\") FROM runs ORDER BY id DESC LIMIT 1")" -eq 0
  diff old1.csv old2.csv
'

test_expect '--delete removes a crop whose source stays, never a source for its crop' '
  mkdir -p del/c
  cp d/c/astronaut.jpg d/c/astronaut-off.jpg del/c/
  # a small source and a crop of it blown up: the crop has more pixels,
  # so the default rule keeps it, and the source is only reported
  /usr/bin/python3 -c "
from PIL import Image
im = Image.open(\"d/c/chelsea.jpg\").resize((225, 150))
im.save(\"del/c/small.jpg\", quality=90)
im.crop((20, 10, 200, 130)).resize((900, 600)).save(\"del/c/small-big.jpg\", quality=90)"
  dedup --path del --crops --delete --format csv -q --db del.db >del.csv
  test_path_is_missing del/c/astronaut-off.jpg
  test_path_is_file del/c/astronaut.jpg
  grep -qE "^[0-9]+,crop,0,c,del/c/small-big.jpg,keep$" del.csv
  grep -qE "^[0-9]+,crop,[0-9]+,c,del/c/small.jpg,report$" del.csv
  test_path_is_file del/c/small.jpg
  test_path_is_file del/c/small-big.jpg
  test "$(sqlite3 del.db "SELECT count(*) FROM events WHERE cause LIKE \"crop duplicate of %\"")" -eq 1
'

test_expect '--across: a crop in test of a train image is a leak' '
  mkdir -p across/train/c across/test/c
  cp d/c/coffee.png d/c/astronaut.jpg across/train/c/
  cp d/c/coffee-flipcrop.jpg d/c/chelsea.jpg across/test/c/
  dedup --across across/train across/test --crops --format csv -q --db x.db >x.csv
  grep -qE "^1,crop,[0-9]+,c,across/test/c/coffee-flipcrop.jpg,report$" x.csv
  test "$(tail -n +2 x.csv | wc -l)" -eq 2
'

test_expect 'db split keeps a crop in its source'"'"'s split once it has the features' '
  db scan -q --db s.db d 2>/dev/null
  db split --db s.db --out s0 --val 0.3 --test 0.3 --seed 2 2>/dev/null
  cat s0/*.csv | grep -q "astronaut-off.jpg,c,0,"
  db split --db s.db --out s1 --val 0.3 --test 0.3 --seed 2 --crops 2>/dev/null
  # db split asks for every image, the tiny and flat ones too (they get a
  # row marked unusable): 16 files, two of them too small to fingerprint
  test "$(sqlite3 s.db "SELECT count(*) FROM features")" -eq 14
  for s in "astronaut.jpg|astronaut-off" "coffee.png|coffee-flipcrop" \
    "chelsea.jpg|chelsea-rotcrop"; do
    test "$(grep -lE "d/c/($s)" s1/*.csv | wc -l)" -eq 1
    test "$(grep -hE "d/c/($s)" s1/*.csv | cut -d, -f3 | sort -u | wc -l)" -eq 1
    test "$(grep -hE "d/c/($s)" s1/*.csv | cut -d, -f3 | sort -u)" != 0
  done
  db split --db s.db --out s2 --val 0.3 --test 0.3 --seed 2 2>/dev/null
  diff s1 s2
'

test_expect 'db split reuses a recorded crop search of the same images, and records its own' '
  rm -rf rr
  mkdir -p rr/c
  cp d/c/astronaut.jpg d/c/astronaut-off.jpg d/c/coffee.png d/c/coffee-flipcrop.jpg rr/c/
  dedup --path rr --crops -q --db rr.db >/dev/null
  test "$(sqlite3 rr.db "SELECT count(*) FROM crop_searches")" -eq 1
  db split --db rr.db --out r1 --val 0.3 --test 0.3 --crops 2>err
  test_grep_not "searched" err
  test "$(sqlite3 rr.db "SELECT count(*) FROM crop_searches")" -eq 1
  test "$(grep -h astronaut-off.jpg r1/*.csv | cut -d, -f3)" != 0
  # what it joins is the record: with its pairs taken out, the crop is alone
  sqlite3 rr.db "DELETE FROM crop_pairs"
  db split --db rr.db --out r2 --val 0.3 --test 0.3 --crops 2>err
  test "$(grep -h astronaut-off.jpg r2/*.csv | cut -d, -f3)" = 0
  # two new images: another set, searched and recorded, then reused
  cp d/c/chelsea.jpg d/c/chelsea-rotcrop.jpg rr/c/
  db scan -q --db rr.db rr
  db split --db rr.db --out r3 --val 0.3 --test 0.3 --crops 2>err
  grep -q "searched the crop features for crops (recorded" err
  test "$(sqlite3 rr.db "SELECT count(*) FROM crop_searches")" -eq 2
  test "$(grep -h chelsea-rotcrop.jpg r3/*.csv | cut -d, -f3)" != 0
  db split --db rr.db --out r4 --val 0.3 --test 0.3 --crops 2>err
  test_grep_not "searched" err
  diff r3 r4
  # without --crops the catalog is read only: the record is read all the same
  db split --db rr.db --out r5 --val 0.3 --test 0.3 2>err
  test_grep_not "searched" err
  diff r3 r5
'

test_expect 'db merge carries the shards'"'"' crop features: the merged catalog reads no image data' '
  rm -rf mg
  mkdir -p mg/a/c mg/b/c
  cp d/c/astronaut.jpg d/c/coffee-flipcrop.jpg mg/a/c/
  cp d/c/astronaut-off.jpg d/c/coffee.png mg/b/c/
  (cd mg && dedup --db s1.db --path a --crops -q >/dev/null && dedup --db s2.db --path b --crops -q >/dev/null)
  db merge mg/s1.db mg/s2.db --into mg/winnow.db 2>err
  test "$(sqlite3 mg/winnow.db "SELECT count(*) FROM features")" -eq 4
  q="SELECT i.path, hex(f.xxh3), f.width, f.height, f.usable, hex(f.descriptors), hex(f.thumb) FROM features f JOIN images i ON i.id = f.image_id AND i.xxh3 = f.xxh3 ORDER BY i.path"
  for k in 1 2; do sqlite3 mg/s$k.db "$q"; done | sort >fa
  sqlite3 mg/winnow.db "$q" | sort >fb
  diff fa fb
  # a crop across the two shards, found without computing anything
  (cd mg && dedup --across a b --crops --format csv -q >../mg.csv)
  test "$(sqlite3 mg/winnow.db "SELECT json_extract(counts, \"$.crop_features_made\") FROM runs ORDER BY id DESC LIMIT 1")" -eq 0
  grep -qE ",crop,[0-9]+,c,b/c/astronaut-off.jpg,report$" mg.csv
  grep -qE ",crop,[0-9]+,c,a/c/coffee-flipcrop.jpg,report$" mg.csv
'

test_expect 'a corrupt recorded pair of an image with itself deletes nothing' '
  rm -rf self
  mkdir -p self/c
  cp d/c/coffee.png d/c/coffee-flipcrop.jpg self/c/
  dedup --path self --crops -q --db self.db >/dev/null
  test "$(sqlite3 self.db "SELECT count(*) FROM crop_pairs")" -eq 1
  sqlite3 self.db "UPDATE crop_pairs SET b = a, cropped = a"
  dedup --path self --crops --delete -q --db self.db >/dev/null
  test_path_is_file self/c/coffee.png
  test_path_is_file self/c/coffee-flipcrop.jpg
'

test_expect 'a catalogued feature row with a short hash is made again, not read' '
  sqlite3 self.db "UPDATE features SET xxh3 = x'"'"'00'"'"'"
  dedup --path self --crops -q --db self.db >/dev/null
  test "$(sqlite3 self.db "SELECT count(*) FROM features WHERE length(xxh3) = 16")" -eq 2
'

test_expect 'points are kept in 4 bytes; rows of float points from before are read as they are' '
  rm -rf pts
  mkdir -p pts/c
  cp d/c/coffee.png d/c/coffee-flipcrop.jpg d/c/astronaut.jpg d/c/astronaut-off.jpg pts/c/
  dedup --path pts --crops --format csv -q --db pts.db >p1.csv
  test "$(sqlite3 pts.db "SELECT count(*) FROM features WHERE usable = 1 AND length(points) * 8 = length(descriptors) AND length(mirror_points) * 8 = length(mirror_descriptors)")" -eq 4
  # rewrite every row as an older winnow wrote it (float32 pairs), and
  # drop the recorded search: the search runs again on the old rows
  python3 - <<-"EOT"
	import sqlite3, struct
	db = sqlite3.connect("pts.db")
	for rid, p, m in db.execute("SELECT image_id, points, mirror_points FROM features").fetchall():
	    wide = lambda b: struct.pack("<%df" % (len(b) // 2), *(v / 64 for v in struct.unpack("<%dH" % (len(b) // 2), b)))
	    db.execute("UPDATE features SET points = ?, mirror_points = ? WHERE image_id = ?", (wide(p), wide(m), rid))
	db.execute("DELETE FROM crop_searches")
	db.commit()
	EOT
  test "$(sqlite3 pts.db "SELECT count(*) FROM features WHERE length(points) * 4 = length(descriptors)")" -eq 4
  dedup --path pts --crops --format csv -q --db pts.db >p2.csv
  test "$(sqlite3 pts.db "SELECT json_extract(counts, \"$.crop_features_made\") FROM runs ORDER BY id DESC LIMIT 1")" -eq 0
  diff p1.csv p2.csv
  grep -qE ",crop,[0-9]+,c,pts/c/astronaut-off.jpg,report$" p2.csv
'

test_done
