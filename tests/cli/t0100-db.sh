#!/usr/bin/env bash
# db: init, scan, stats, check and export on generated datasets.
. "$(dirname "$0")/lib.sh"

mkfixtures dataset train 7 12 3 cats dogs birds
mkfixtures bad train/odd

test_expect 'help, version and usage errors' '
  db --help | grep -q "Examples:"
  db scan --help | grep -q "db scan train"
  db --version | grep -q "^db (winnow) "
  expect_exit 2 db frobnicate
  expect_exit 2 db scan
  expect_exit 2 db scan train -j 0
  expect_exit 2 db export --format yaml
  expect_exit 2 db scan train --max-pixels " -1"
  expect_exit 2 db scan train --max-bytes=-5
  expect_exit 2 db
'

test_expect 'commands on a missing catalog fail with one line' '
  expect_exit 3 db stats 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "winnow.db: no catalog here" err
'

test_expect 'init makes a WAL catalog at the newest schema, twice harmlessly' '
  db init 2>err
  grep -q "schema 15" err
  db init
  test "$(sqlite3 winnow.db "PRAGMA journal_mode")" = wal
  test "$(sqlite3 winnow.db "PRAGMA user_version")" = 15
'

test_expect 'scan catalogues every file and reports each bad one on one line' '
  expect_exit 1 db scan -q train 2>err
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images")" -eq 51
  for f in zero.jpg truncated.jpg html.jpg badcrc.png huge.jpg; do
    grep -q "^db scan: train/odd/$f: " err || { echo "no line for $f"; cat err; exit 1; }
  done
  grep -q "train/odd/zero.jpg: empty file" err
  grep -q "train/odd/html.jpg: not an image (starts with .<!DOCT.)" err
  grep -q "train/odd/huge.jpg: 60000x60000 pixels is over the limit" err
  grep -q "train/odd/badcrc.png: corrupt PNG (IDAT: CRC error)" err
  grep -q "Premature end of JPEG file" err
  test "$(sqlite3 winnow.db "SELECT group_concat(path, \" \") FROM (SELECT path FROM images WHERE status = \"corrupt\" ORDER BY path)")" = \
    "train/odd/badcrc.png train/odd/html.jpg train/odd/huge.jpg train/odd/truncated.jpg train/odd/zero.jpg"
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE status = \"corrupt\" AND (error IS NULL OR xxh3 IS NULL)")" -eq 0
'

test_expect 'unusual but valid files decode with the right sizes' '
  sqlite3 -separator " " winnow.db "SELECT path, width, height, format FROM images WHERE path LIKE \"train/odd/%\" AND status = \"ok\" ORDER BY path" >got
  cat >want <<-EOT
	train/odd/animated.gif 32 16 gif
	train/odd/cmyk.jpg 64 48 jpeg
	train/odd/exif6.jpg 48 64 jpeg
	train/odd/interlaced.png 64 48 png
	train/odd/lossless-alpha.webp 40 30 webp
	train/odd/palette.png 32 16 png
	train/odd/png16.png 64 48 png
	EOT
  diff -u want got
'

test_expect 'classes come from the first-level folder' '
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE class = \"cats\"")" -eq 13
  test "$(sqlite3 winnow.db "SELECT count(DISTINCT class) FROM images")" -eq 4
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE path LIKE \"train/%\"")" -eq 51
'

test_expect 'a second scan reads nothing; a changed file is read again' '
  db scan -q train 2>err
  grep -q "51 files in train: 0 read, 51 unchanged" err
  cp train/odd/png16.png train/cats/img0000.jpg
  db scan -q train 2>err
  grep -q "1 read, 50 unchanged" err
  test "$(sqlite3 winnow.db "SELECT format FROM images WHERE path = \"train/cats/img0000.jpg\"")" = png
'

test_expect 'exact copies share their XXH3-128; it matches xxhsum when present' '
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images GROUP BY xxh3 ORDER BY count(*) DESC LIMIT 1")" -ge 3
  if command -v xxhsum >/dev/null; then
    want=$(xxhsum -H2 train/dogs/img0001.* | cut -d" " -f1)
    got=$(sqlite3 winnow.db "SELECT lower(hex(xxh3)) FROM images WHERE path LIKE \"train/dogs/img0001.%\"")
    test "$want" = "$got"
  fi
'

test_expect 'dHashes are the same across thread counts and runs' '
  db --db j1.db scan -q -j 1 train 2>/dev/null || true
  db --db j2.db scan -q -j 2 train 2>/dev/null || true
  db --db j2.db scan -q -j 2 --rehash train 2>/dev/null || true
  db --db j1.db export --status all >a.csv
  db --db j2.db export --status all >b.csv
  diff a.csv b.csv
  test "$(wc -l <a.csv)" -eq 52
'

test_expect 'stats counts per class and status' '
  db stats >out
  grep -qE "^odd +7 +5 +0 +0 " out
  grep -qE "^total +46 +5 +0 +0 " out
  db stats --format csv >out.csv
  head -1 out.csv | grep -qx "class,status,images,bytes"
  grep -q "^odd,corrupt,5," out.csv
  db stats --format jsonl | python3 -c "import json,sys; rows=[json.loads(l) for l in sys.stdin]; assert sum(r[\"images\"] for r in rows) == 51, rows"
'

test_expect 'export: csv header, statuses, classes, jsonl' '
  db export | head -1 | grep -qx "path,class,status,size,width,height,format,xxh3,dhash,source_url"
  test "$(db export | wc -l)" -eq 47
  test "$(db export --status all | wc -l)" -eq 52
  test "$(db export --status corrupt --format text | wc -l)" -eq 5
  test "$(db export --class birds | wc -l)" -eq 14
  db export --format jsonl | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 46
assert all(len(r[\"dhash\"]) == 16 and len(r[\"xxh3\"]) == 32 for r in rows)
assert all(isinstance(r[\"width\"], int) for r in rows)
"
'

test_expect 'hostile file names: spaces, quotes, newlines, invalid UTF-8' '
  mkdir -p names/c
  cp train/odd/png16.png "names/c/a b\"q.png"
  cp train/odd/png16.png "names/c/new
line.png"
  cp train/odd/png16.png "$(printf "names/c/\\377\\376.png")"
  db --db names.db scan -q names
  test "$(sqlite3 names.db "SELECT count(*) FROM images WHERE status = \"ok\"")" -eq 3
  db --db names.db export --format text >out
  test "$(wc -l <out)" -eq 3
  grep -q "\"names/c/new\\\\nline.png\"" out
  grep -q "\"names/c/\\\\377\\\\376.png\"" out
  db --db names.db export --format jsonl | python3 -c "
import json, os, sys
for l in sys.stdin:
    p = os.fsencode(json.loads(l)[\"path\"])
    assert os.path.exists(p), p
"
  db --db names.db export --format csv | python3 -c "
import csv, sys
rows = list(csv.DictReader(sys.stdin))
assert len(rows) == 3 and any(\"\\n\" in r[\"path\"] for r in rows), rows
"
'

test_expect 'check finds missing, changed and untracked files' '
  db check --path train
  mkdir solo
  cp -a train/cats solo/
  db --db solo/winnow.db scan -q solo
  (cd solo && db check)
  rm train/dogs/img0003.*
  printf x >>train/birds/img0004.*
  cp train/odd/palette.png train/birds/fresh.png
  echo notes >train/birds/README.txt
  expect_exit 1 db check --path train --format csv >out 2>err
  grep -q "^missing,train/dogs/img0003\." out
  grep -q "^changed,train/birds/img0004\." out
  grep -q "^untracked,train/birds/fresh.png,birds$" out
  test_grep_not README out
  grep -q "1 missing, 1 changed, 1 untracked" err
  (cd train && expect_exit 1 db --db ../winnow.db check --path . >../out2)
  grep -q "^untracked	birds/fresh.png	birds$" out2
'

test_expect 'catalog paths are relative: the dataset moves with its catalog' '
  mkdir moved
  cp -a names names.db moved/
  (cd moved && db --db names.db check && db --db names.db export --format text | grep -q "^\"names/c/")
  WINNOW_DB=moved/names.db db check
  rm moved/names/c/*.png
  export WINNOW_DB=moved/names.db
  expect_exit 1 db check >out
  test "$(grep -c ^missing out)" -eq 3
'

test_expect 'runs are recorded with arguments, exit codes and counts' '
  test "$(sqlite3 winnow.db "SELECT count(*) FROM runs WHERE command = \"db scan\"")" -ge 3
  test "$(sqlite3 winnow.db "SELECT count(*) FROM runs WHERE finished_ms IS NULL")" -eq 0
  sqlite3 winnow.db "SELECT argv FROM runs ORDER BY id LIMIT 1" | grep -qF "[\"scan\",\"-q\",\"train\"]"
  sqlite3 winnow.db "SELECT exit_code, counts FROM runs ORDER BY id LIMIT 1" | grep -q "^1|{\"files\":51,"
'

test_expect 'a file that is not a catalog is refused, not overwritten' '
  echo "just text" >notes.db
  expect_exit 3 db --db notes.db scan -q train 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "notes.db" err
  test "$(cat notes.db)" = "just text"
  sqlite3 other.db "CREATE TABLE t(x)"
  expect_exit 3 db --db other.db init 2>err
  grep -q "not a winnow catalog" err
'

test_expect 'a 0- or 1-byte catalog is refused, never made anew' '
  : >empty.db
  expect_exit 3 db --db empty.db init 2>err
  grep -q "^db init: empty.db: 0 bytes, too short to be a catalog" err
  test ! -s empty.db
  printf x >one.db
  expect_exit 3 db --db one.db scan -q train 2>err
  grep -q "one.db: 1 bytes, too short" err
  test "$(cat one.db)" = x
  test ! -e one.db-wal
'

test_expect 'a catalog in a read-only folder: readers read it, writers say why' '
  mkdir -p rofolder
  mkfixtures dataset rofolder/train 31 3 0 a b
  (cd rofolder && db init 2>/dev/null && db scan -q train)
  if [ "$(id -u)" -eq 0 ]; then
    run() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
    chmod 755 .
  else
    run() { "$@"; }
  fi
  chmod 555 rofolder
  rc=0; (cd rofolder && run db stats >../out 2>../err) || rc=$?
  rc2=0; (cd rofolder && run db scan -q train 2>../err2) || rc2=$?
  chmod 755 rofolder
  test "$rc" -eq 0
  grep -q "^total  *6 " out
  test "$rc2" -eq 3
  grep -q "its folder .*rofolder is read-only" err2
  test "$(grep -c "not a catalog" err2)" -eq 0
'

test_expect 'scanning a folder that holds the catalog gives one row per file' '
  mkdir -p up/ds
  mkfixtures dataset up/ds/train 21 4 0 a b
  (cd up/ds && db scan -q train && db scan -q .. &&
   test "$(sqlite3 winnow.db "SELECT count(*) FROM images")" -eq 8 &&
   test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE path LIKE \"../%\"")" -eq 0 &&
   db check --path .. && db check --path train)
'

test_expect 'unreadable folders are reported and make the exit status 1' '
  mkdir -p locked/ok locked/shut
  cp train/odd/png16.png locked/ok/a.png
  cp train/odd/png16.png locked/shut/b.png
  chmod 000 locked/shut
  if [ "$(id -u)" -eq 0 ]; then
    chown -R 65534 locked
    run() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
    chmod 777 .
  else
    run() { "$@"; }
  fi
  rc=0; run db --db locked/c.db scan -q locked 2>err || rc=$?
  chmod 755 locked/shut
  test "$rc" -eq 1
  grep -q "locked/shut: Permission denied" err
  grep -q "1 read, 0 unchanged, 0 corrupt, 1 unreadable" err
  chmod 000 locked/shut
  rc=0; run db --db locked/c.db check 2>err || rc=$?
  chmod 755 locked/shut
  test "$rc" -eq 1
  grep -q "Permission denied" err
'

test_expect 'two scans at once on one catalog both finish' '
  mkdir -p two
  mkfixtures dataset two/a 11 40 0 x y
  mkfixtures dataset two/b 12 40 0 x y
  db --db two.db init 2>/dev/null
  db --db two.db scan -q -j 1 two/a & p1=$!
  db --db two.db scan -q -j 1 two/b & p2=$!
  wait $p1; wait $p2
  test "$(sqlite3 two.db "SELECT count(*) FROM images")" -eq 160
'

test_expect 'check: a deleted row whose file is there, an ok row whose file is gone, a leftover' '
  rm -rf ck
  mkdir -p ck/a
  mkfixtures dataset ck 5 3 0 a
  db scan ck -q --db ck.db
  db check --path ck --db ck.db
  first=$(ls ck/a | head -1)
  sqlite3 ck.db "UPDATE images SET status = \"deleted\" WHERE path = \"ck/a/$first\""
  expect_exit 1 db check --path ck --db ck.db --format csv >out 2>/dev/null
  grep -qx "untracked,ck/a/$first,a" out
  sqlite3 ck.db "UPDATE images SET status = \"ok\""
  last=$(ls ck/a | tail -1)
  mv "ck/a/$last" "ck/a/.$last.winnow-tmp.Qw3rty"
  expect_exit 1 db check --path ck --db ck.db --format csv >out 2>err
  grep -qx "missing,ck/a/$last,a" out
  grep -qx "leftover,ck/a/.$last.winnow-tmp.Qw3rty," out
  grep -q "1 missing, 0 changed, 0 untracked, 1 leftover, 0 unfinished" err
'

test_done
