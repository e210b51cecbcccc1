#!/usr/bin/env bash
# dedup: mirrored and rotated copies (rescaled and recompressed too), how
# they are named in every output, --match, --across and --delete.
. "$(dirname "$0")/lib.sh"

mkdir -p tr
mkfixtures turned tr/c 1 4

test_expect 'each source with all its turned copies, and nothing else' '
  dedup --path tr --format csv -q >out.csv
  test "$(tail -n +2 out.csv | wc -l)" -eq 24
  test "$(tail -n +2 out.csv | cut -d, -f1 | sort -u | wc -l)" -eq 4
  # one source a group: the group number and the tK stem pair up 1:1
  test "$(tail -n +2 out.csv | sed "s|^\([0-9]*\),.*/\(t[0-9]*\)[-.].*|\1 \2|" | sort -u | wc -l)" -eq 4
  test "$(grep -c ",keep$" out.csv)" -eq 4
  test_grep_not ",near," out.csv
  test_grep_not ",exact," out.csv
'

test_expect 'a mirrored copy is mirror, a rotated one (mirrored or not) rotate' '
  mkdir -p m/c r/c
  cp tr/c/t0.jpg tr/c/t0-mirror.jpg m/c/
  dedup --path m --format csv -q --db m.db >m.csv
  grep -qE "^1,mirror,0,c,m/c/t0.jpg,keep$" m.csv
  grep -qE "^1,mirror,[0-6],c,m/c/t0-mirror.jpg,report$" m.csv
  cp tr/c/t0.jpg tr/c/t0-rot180.jpg tr/c/t0-rot270.jpg tr/c/t0-fliprot.jpg r/c/
  dedup --path r --format csv -q --db r.db >r.csv
  # the full-size rot270 copy is the largest file: kept by the default rule
  grep -qE "^1,rotate,0,c,r/c/t0-rot270.jpg,keep$" r.csv
  test "$(grep -cE "^1,rotate,[0-6],c,r/c/t0(-rot180|-fliprot|).jpg,report$" r.csv)" -eq 3
'

test_expect 'text and the contact sheet name the turn' '
  dedup --path m -q --db m.db --html m.html >m.txt
  grep -q "^group 1: mirror, 2 files" m.txt
  grep -q "t0-mirror.jpg  (mirror, distance [0-6])$" m.txt
  grep -q "mirrored distance" m.html
  dedup --path r -q --db r.db --html r.html >r.txt
  grep -q "(rotate, distance [0-6])$" r.txt
  grep -q "rotated distance" r.html
  dedup --path r --db r.db 2>err >/dev/null
  grep -q "3 mirrored or rotated" err
'

test_expect '--match limits the kinds looked for' '
  dedup --path tr --match exact,near --format csv -q >none.csv
  test "$(wc -l <none.csv)" -eq 1
  dedup --path tr --match mirror --format csv -q >mir.csv
  test "$(grep -vc ",keep$" mir.csv)" -gt 4
  test "$(grep -v ",keep$" mir.csv | tail -n +2 | cut -d, -f2 | sort -u)" = mirror
  dedup --path tr --match rotate --format csv -q >rot.csv
  test_grep_not ",mirror," rot.csv
  test "$(grep -c ",rotate," rot.csv)" -gt 8
  expect_exit 2 dedup --path tr --match near,,exact
  expect_exit 2 dedup --path tr --match ""
  dedup --path tr --match bogus 2>err || true
  grep -q "\-\-match: .bogus. is not exact, near, mirror, rotate or crop" err
'

test_expect 'the catalog keeps each copy'"'"'s kind' '
  test "$(sqlite3 m.db "SELECT match FROM dup_groups WHERE rank = 1")" = mirror
  test "$(sqlite3 r.db "SELECT DISTINCT match FROM dup_groups")" = rotate
'

# dup_groups as schema 8 had it: exact and near only; no later tables or columns
cat >to8.sql <<'EOT'
PRAGMA foreign_keys = OFF;
DROP TABLE features;
DROP TABLE crop_pairs;
DROP TABLE crop_searches;
CREATE TABLE g8 (run_id INTEGER NOT NULL REFERENCES runs(id), grp INTEGER NOT NULL,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  match TEXT NOT NULL CHECK (match IN ('exact', 'near')), rank INTEGER NOT NULL,
  PRIMARY KEY (run_id, grp, image_id));
INSERT INTO g8 SELECT run_id, grp, image_id, 'near', rank FROM dup_groups;
DROP TABLE dup_groups;
ALTER TABLE g8 RENAME TO dup_groups;
ALTER TABLE images DROP COLUMN sharpness;
ALTER TABLE images DROP COLUMN luma_p5;
ALTER TABLE images DROP COLUMN luma_p99;
ALTER TABLE images DROP COLUMN entropy;
ALTER TABLE images DROP COLUMN chroma;
ALTER TABLE images DROP COLUMN colourfulness;
ALTER TABLE images DROP COLUMN skin;
DROP INDEX predictions_probs;
ALTER TABLE heads DROP COLUMN hidden;
DROP INDEX images_by_xxh3;
CREATE INDEX images_by_xxh3 ON images(xxh3);
PRAGMA user_version = 8;
EOT

test_expect 'a schema 8 catalog migrates: its groups kept, the new kinds allowed' '
  cp m.db old.db
  sqlite3 old.db <to8.sql
  test_must_fail sqlite3 old.db "UPDATE dup_groups SET match = \"mirror\""
  db init --db old.db 2>/dev/null
  test "$(sqlite3 old.db "PRAGMA user_version")" = 15
  test "$(sqlite3 old.db "SELECT count(*) FROM dup_groups WHERE match = \"near\"")" -eq 2
  dedup --path m -q --db old.db >/dev/null
  test "$(sqlite3 old.db "SELECT match FROM dup_groups WHERE rank = 1")" = mirror
'

test_expect 'two images told apart stay apart, even around a copy of both' '
  mkdir -p ta/c
  cp tr/c/t0.jpg tr/c/t0-mirror.jpg tr/c/t0-rot90.png ta/c/
  touch -d 2001-01-01 ta/c/t0.jpg   # the keeper (--keep oldest), a copy of both
  dedup --path ta --format csv -q --db ta.db --keep oldest >ta1.csv
  grep -q "^1,[a-z]*,0,c,ta/c/t0.jpg,keep$" ta1.csv
  test "$(tail -n +2 ta1.csv | cut -d, -f1 | sort -u | wc -l)" -eq 1
  # label review split the mirror and the quarter turn apart (one action)
  sqlite3 ta.db "INSERT INTO reviews (image_id, queue, decision, seq, at_ms)
    SELECT id, \"groups\", \"keep\", 1, 0 FROM images
    WHERE path LIKE \"%t0-mirror.jpg\" OR path LIKE \"%t0-rot90.png\""
  dedup --path ta --format csv -q --db ta.db --keep oldest >ta2.csv
  g1=$(grep "t0-mirror.jpg" ta2.csv | cut -d, -f1)
  g2=$(grep "t0-rot90.png" ta2.csv | cut -d, -f1)
  test "$g1" != "$g2"
'

test_expect '--across: a rotated copy in test of a train image is a leak' '
  mkdir -p across/train/c across/test/c
  cp tr/c/t1.jpg tr/c/t2.jpg across/train/c/
  cp tr/c/t1-rot90.png tr/c/t3-mirror.jpg across/test/c/
  dedup --across across/train across/test --format csv -q --db x.db >x.csv
  grep -qE "^1,rotate,[0-6],c,across/test/c/t1-rot90.png,report$" x.csv
  test "$(tail -n +2 x.csv | wc -l)" -eq 2
'

test_expect '--delete keeps the keeper and removes its turned copies' '
  mkdir -p del/c
  cp tr/c/t2* del/c/
  dedup --path del --delete -q --db del.db 2>err
  grep -q "deleted 5 files" err
  test "$(find del -type f | wc -l)" -eq 1
  test "$(sqlite3 del.db "SELECT count(*) FROM events WHERE cause LIKE \"rotate duplicate of %\" OR cause LIKE \"mirror duplicate of %\"")" -eq 5
'

test_done

test_expect 'images under 32 px a side: reported as too small, never grouped as visual copies' '
  # the sources and their turned copies at 24 px: grouped as copies before
  mkdir -p tiny/c
  cp tr/c/t0*.jpg tiny/c/
  resize --path tiny --out small --geometry "24x24!" -q --db tiny.db 2>/dev/null
  cp small/c/t0.jpg small/c/t0-same.jpg
  dedup --path small --db small.db -q >small.txt 2>small.err
  dedup --path small --db small.db --format csv -q >small.csv
  # byte-identical copies still make an exact group, and nothing else
  test "$(tail -n +2 small.csv | cut -d, -f2 | sort -u)" = exact
  test "$(tail -n +2 small.csv | wc -l)" -eq 2
  # one line per image: each in the too-small list once (the exact copy
  # through its keeper), none as flat
  n=$(ls small/c | wc -l)
  sed -n "/^too small (under 32 px a side), not compared as visual copies:$/,/^$/p" small.txt |
    grep "^  small/c/" | sort >listed
  test "$(wc -l <listed)" -eq $((n - 1))
  test "$(sort -u listed | wc -l)" -eq $((n - 1))
  test_grep_not "^flat or blank" small.txt
  grep -q ", $((n - 1)) too small (under 32 px a side) not compared$" small.err
  test "$(sqlite3 small.db "SELECT json_extract(counts, \"\$.too_small\") FROM runs ORDER BY id DESC LIMIT 1")" -eq $((n - 1))
  # at 32 px the same copies are compared (and found) again
  resize --path tiny --out edge --geometry "32x32!" -q --db tiny.db 2>/dev/null
  dedup --path edge --db edge.db --format csv -q >edge.csv 2>edge.err
  grep -q ",mirror," edge.csv
  test_grep_not "too small" edge.err
'
