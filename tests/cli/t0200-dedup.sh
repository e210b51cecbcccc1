#!/usr/bin/env bash
# dedup: groups, keepers, actions and their safety, the CSV contract,
# incremental runs, --across, --exact-only, hostile input.
. "$(dirname "$0")/lib.sh"

fresh() {  # fresh DIR: exact copies, near copies, a conflict and bad files
  rm -rf "$1"
  mkdir -p "$1"
  mkfixtures dataset "$1" 3 6 0 cats dogs
  mkfixtures near "$1" 4 3
  mkfixtures bad "$1/odd"
  cp "$1/odd/truncated.jpg" "$1/odd/truncated-again.jpg"
  cp "$1/a/src1.jpg" "$1/a/src1-copy.jpg"          # exact, same class
  cp "$1/a/src2.jpg" "$1/b/src2-elsewhere.jpg"     # exact, across classes
}

test_expect 'help, version and usage errors' '
  dedup --help | grep -q "dedup --path train --delete"
  dedup --version | grep -q "^dedup (winnow) "
  expect_exit 2 dedup
  expect_exit 2 dedup --path a --path b
  expect_exit 2 dedup --path x --threshold 16
  expect_exit 2 dedup --path x --similarity 2
  expect_exit 2 dedup --path x --keep biggest
  expect_exit 2 dedup --path x --dry-run
  expect_exit 2 dedup --across onlyone
'

test_expect 'report: exact and near groups, CSV contract, corrupt files skipped' '
  fresh ds
  expect_exit 1 dedup --path ds --format csv -q >out.csv 2>err
  head -1 out.csv | grep -qx "group,match,distance,class,path,action"
  grep -qE "^[0-9]+,exact,0,a,ds/a/src1.jpg,keep$" out.csv
  grep -qE "^[0-9]+,exact,0,a,ds/a/src1-copy.jpg,report$" out.csv
  grep -q ",exact,0,b,ds/b/src2-elsewhere.jpg,report$" out.csv
  grep -q ",exact,0,a,ds/a/src2.jpg,report$" out.csv
  grep -q ",near,0,a,ds/a/src1.jpg,keep$" out.csv
  grep -qE ",near,[0-9]+,a,ds/a/src1-half.png,report$" out.csv
  grep -qE ",near,[0-9]+,a,ds/a/src1-bright.jpg,report$" out.csv
  test "$(grep "src0" out.csv | grep -c ",report$")" -eq 3
  test_grep_not truncated out.csv
  grep -q "ds/odd/truncated-again.jpg: corrupt JPEG" err
  grep -q " 2 conflicts" err
'

test_expect 'a second run reads no image data and gives the same answer' '
  dedup --path ds --format csv -q >again.csv 2>err || true
  diff out.csv again.csv
  test "$(sqlite3 winnow.db "SELECT json_extract(counts, \"$.files\") FROM runs ORDER BY id DESC LIMIT 1")" -eq 36
  test "$(sqlite3 winnow.db "SELECT count(*) FROM runs WHERE command = \"dedup\"")" -eq 2
'

test_expect 'dry run shows deletes and changes nothing' '
  before=$(find ds -type f | sort | md5sum)
  dedup --path ds --delete --dry-run --format csv -q >dry.csv 2>err || true
  test "$(find ds -type f | sort | md5sum)" = "$before"
  grep -q ",exact,0,a,ds/a/src1-copy.jpg,delete$" dry.csv
  grep -q "dry run: would delete" err
'

test_expect 'delete removes copies, keeps keepers and conflicts, records events' '
  want=$(grep -c ",delete$" dry.csv)
  dedup --path ds --delete -q >/dev/null 2>err || true
  test ! -e ds/a/src1-copy.jpg
  test ! -e ds/a/src1-half.png
  test ! -e ds/a/src1-bright.jpg
  test -e ds/a/src1.jpg
  test -e ds/a/src0.jpg
  test -e ds/b/src0-bright.jpg
  test -e ds/a/src0-half.png
  test -e ds/a/src2.jpg
  test -e ds/b/src2-elsewhere.jpg
  test -e ds/odd/truncated-again.jpg
  grep -q "deleted $want files" err
  test "$(sqlite3 winnow.db "SELECT count(*) FROM events WHERE action = \"delete\"")" -eq "$want"
  sqlite3 winnow.db "SELECT cause FROM events WHERE path = \"ds/a/src1-copy.jpg\"" |
    grep -qE "^exact duplicate of ds/a/src1.jpg \(group [0-9]+, distance 0\)$"
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE status = \"deleted\"")" -eq "$want"
  dedup --path ds --delete -q --format csv >after.csv 2>/dev/null || true
  test "$(grep -c ",delete$" after.csv)" -eq 0
'

test_expect 'move-to keeps root-relative paths and never overwrites' '
  fresh mv
  mkdir -p trash/a
  echo occupied >trash/a/src1-copy.jpg
  dedup --db mv.db --path mv --move-to trash -q >/dev/null 2>err || true
  test "$(cat trash/a/src1-copy.jpg)" = occupied
  cmp trash/a/src1-copy.jpg~1 mv/a/src1.jpg
  test -s trash/a/src1-half.png
  test ! -e mv/a/src1-copy.jpg
  n=$(sqlite3 mv.db "SELECT count(*) FROM events WHERE action = \"move\" AND dest IS NOT NULL")
  test "$n" -ge 3
  test "$(sqlite3 mv.db "SELECT count(*) FROM images WHERE status = \"quarantined\"")" -eq "$n"
  grep -q "moved $n files" err
'

test_expect 'no chaining: a member must match the keeper itself' '
  rm -rf ch
  mkdir -p ch/c/p
  cp mv/a/src1.jpg ch/c/p/A.jpg
  cp mv/a/src2.jpg ch/c/B.jpg
  cp mv/a/src0.jpg ch/c/C.jpg
  db --db ch.db scan -q ch
  # Fingerprints with A ~ B and B ~ C (18 degrees apart, correlation 0.95,
  # dHashes 4 bits apart) but not A ~ C (36 degrees: 0.81, 8 bits).
  python3 - <<-"EOT"
	import math, random, sqlite3
	random.seed(5)
	def unit(v):
	    m = sum(v) / len(v); v = [x - m for x in v]
	    n = math.sqrt(sum(x * x for x in v)); return [x / n for x in v]
	u = unit([random.choice((-1, 1)) for _ in range(256)])
	w = [random.choice((-1, 1)) for _ in range(256)]
	d = sum(a * b for a, b in zip(u, w)); w = unit([b - d * a for a, b in zip(u, w)])
	t = math.radians(18)
	thumb = lambda v: bytes(max(0, min(255, round(128 + 1000 * x))) for x in v)
	x = 0x123456789abcdef0
	rows = {"A": ([math.cos(t) * a + math.sin(t) * b for a, b in zip(u, w)], x),
	        "B": (u, x ^ 0xf), "C": ([math.cos(t) * a - math.sin(t) * b for a, b in zip(u, w)], x ^ 0xff)}
	db = sqlite3.connect("ch.db")
	for name, (v, h) in rows.items():
	    db.execute("UPDATE images SET thumb = ?, dhash = ? WHERE path LIKE ?", (thumb(v), h, "%/" + name + ".jpg"))
	db.commit()
	EOT
  dedup --db ch.db --path ch --prefer ch/c/p --format csv -q >ch.csv 2>/dev/null
  grep -q ",near,0,c,ch/c/p/A.jpg,keep$" ch.csv
  grep -q ",near,4,c,ch/c/B.jpg,report$" ch.csv
  test_grep_not C.jpg ch.csv
  # Without the preference B comes first (more bytes or a shorter path may
  # rank it either way); whichever is kept, every member matches it.
  dedup --db ch.db --path ch --keep first --format csv -q 2>/dev/null | grep -c ",near," | grep -qE "^(2|3)$"
'

test_expect 'a file whose only match sits in a bigger group is not left out' '
  fresh rsf
  rm -rf rs
  mkdir -p rs/c/p
  cp rsf/a/src1.jpg rs/c/p/A.jpg
  cp rsf/a/src2.jpg rs/c/B.jpg
  cp rsf/a/src0.jpg rs/c/C.jpg
  cp rsf/a/src1-bright.jpg rs/c/D.jpg
  db --db rs.db scan -q rs
  # As above, A ~ B ~ C and not A ~ C; D ~ A alone (0.95), D !~ B (0.90).
  # A, preferred, claims B and D first; C matches only B. B then leaves
  # A (which keeps D) for a group with C, so all four are reported.
  python3 - <<-"EOT"
	import math, random, sqlite3
	random.seed(5)
	def unit(v):
	    m = sum(v) / len(v); v = [x - m for x in v]
	    n = math.sqrt(sum(x * x for x in v)); return [x / n for x in v]
	def away(v, *others):
	    for o in others:
	        d = sum(a * b for a, b in zip(o, v)); v = [b - d * a for a, b in zip(o, v)]
	    return unit(v)
	u = unit([random.choice((-1, 1)) for _ in range(256)])
	w = away([random.choice((-1, 1)) for _ in range(256)], u)
	w2 = away([random.choice((-1, 1)) for _ in range(256)], u, w)
	t = math.radians(18)
	turn = lambda a, b, s: [math.cos(t) * x + s * math.sin(t) * y for x, y in zip(a, b)]
	A = turn(u, w, 1)
	thumb = lambda v: bytes(max(0, min(255, round(128 + 1000 * x))) for x in v)
	x = 0x123456789abcdef0
	rows = {"A": (A, x), "B": (u, x ^ 0xf), "C": (turn(u, w, -1), x ^ 0xff),
	        "D": (turn(A, w2, 1), x ^ 0xf0)}
	db = sqlite3.connect("rs.db")
	for name, (v, h) in rows.items():
	    db.execute("UPDATE images SET thumb = ?, dhash = ? WHERE path LIKE ?", (thumb(v), h, "%/" + name + ".jpg"))
	db.commit()
	EOT
  dedup --db rs.db --path rs --prefer rs/c/p --format csv -q >rs.csv 2>/dev/null
  a=$(sed -n "s/^\([0-9]*\),near,0,c,rs\/c\/p\/A.jpg,keep$/\1/p" rs.csv)
  grep -q "^$a,near,4,c,rs/c/D.jpg,report$" rs.csv
  test_grep_not "^$a,.*B.jpg" rs.csv
  grep -q ",near,[0-9]*,c,rs/c/B.jpg," rs.csv
  grep -q ",near,[0-9]*,c,rs/c/C.jpg," rs.csv
  test "$(cut -d, -f1 rs.csv | sort -u | wc -l)" -eq 3
'

test_expect 'an exact copy is compared byte for byte before it is deleted' '
  rm -rf bc
  mkdir -p bc/c
  cp mv/a/src1.jpg bc/c/a.jpg
  cp mv/a/src1.jpg bc/c/b.jpg
  printf "\\x01" | dd of=bc/c/b.jpg bs=1 seek=300 conv=notrunc status=none
  db --db bc.db scan -q bc
  # The catalog is made to claim the same XXH3 for both (as a collision
  # would): the byte comparison must still refuse.
  sqlite3 bc.db "UPDATE images SET xxh3 = (SELECT xxh3 FROM images WHERE path LIKE \"%a.jpg\")"
  expect_exit 1 dedup --db bc.db --path bc --exact-only --delete -q >/dev/null 2>err
  grep -q "bc/c/b.jpg: not touched: its bytes differ from its keeper" err
  test -e bc/c/a.jpg
  test -e bc/c/b.jpg
'

test_expect 'hard links are one file; symlinks are never followed or deleted' '
  rm -rf hl
  mkdir -p hl/c
  cp mv/a/src1.jpg hl/c/
  f=src1.jpg
  ln "hl/c/$f" "hl/c/link-$f"
  ln -s "$(pwd)/hl/c/$f" "hl/c/sym-$f"
  dedup --db hl.db --path hl --delete --format csv -q >hl.csv 2>/dev/null
  test "$(wc -l <hl.csv)" -eq 1
  test -e "hl/c/$f"
  test -e "hl/c/link-$f"
  test -L "hl/c/sym-$f"
'

test_expect 'keep rules and --prefer choose the kept copy' '
  rm -rf kp
  mkdir -p kp/c/d
  cp mv/a/src1.jpg kp/c/a.jpg
  cp kp/c/a.jpg kp/c/longer-name.jpg
  cp kp/c/a.jpg kp/c/d/b.jpg
  touch -d "2001-01-01" kp/c/longer-name.jpg
  touch -d "2030-01-01" kp/c/d/b.jpg
  dedup --db kp.db --path kp --format csv -q 2>/dev/null >k.csv
  grep -q ",kp/c/a.jpg,keep$" k.csv
  test "$(grep -c ",report$" k.csv)" -eq 2
  dedup --db kp.db --path kp --keep oldest --format csv -q 2>/dev/null | grep -q "longer-name.jpg,keep$"
  dedup --db kp.db --path kp --keep newest --format csv -q 2>/dev/null | grep -q "kp/c/d/b.jpg,keep$"
  dedup --db kp.db --path kp --prefer kp/c/d --format csv -q 2>/dev/null | grep -q "kp/c/d/b.jpg,keep$"
'

test_expect 'across: only pairs between the two roots' '
  rm -rf tr te
  mkdir -p tr/x te/x
  cp mv/a/src1.jpg tr/x/a.jpg
  cp tr/x/a.jpg tr/x/a2.jpg
  cp tr/x/a.jpg te/x/leak.jpg
  cp mv/b/src2-elsewhere.jpg te/x/only-test.jpg
  cp te/x/only-test.jpg te/x/only-test2.jpg
  dedup --db ac.db --across tr te --prefer tr --delete --format csv -q >ac.csv 2>/dev/null
  test "$(grep -c ",exact," ac.csv)" -eq 2
  grep -q "te/x/leak.jpg,delete$" ac.csv
  test ! -e te/x/leak.jpg
  test -e tr/x/a2.jpg
  test -e te/x/only-test2.jpg
'

test_expect 'exact-only: no decoding, jdupes-style staging, junk never grouped' '
  fresh ex
  cp ex/odd/html.jpg ex/odd/html-again.jpg
  dedup --db ex.db --path ex --exact-only --format csv -q >ex.csv 2>/dev/null
  # src1 and its copy, src2 and its copy, and the two truncated JPEGs:
  # without decoding only the magic bytes tell an image, so the HTML
  # copies are left out but the truncated (JPEG-headed) ones are not
  test "$(grep -c ",exact," ex.csv)" -eq 6
  test_grep_not ",near," ex.csv
  test_grep_not html ex.csv
  test "$(sqlite3 ex.db "SELECT count(*) FROM images WHERE dhash IS NOT NULL")" -eq 0
  # only files sharing a size with another were hashed in full
  test "$(sqlite3 ex.db "SELECT count(*) FROM images")" -le 8
  dedup --db ex.db --path ex --exact-only --format csv -q >ex2.csv 2>/dev/null
  diff ex.csv ex2.csv
'

test_expect 'files with spaces, newlines and invalid UTF-8 in their names' '
  rm -rf hn
  mkdir -p hn/c
  cp mv/a/src1.jpg "hn/c/a b.jpg"
  cp "hn/c/a b.jpg" "hn/c/new
line.jpg"
  cp "hn/c/a b.jpg" "$(printf "hn/c/\\377.jpg")"
  dedup --db hn.db --path hn --delete --format jsonl -q >hn.jsonl 2>/dev/null
  python3 -c "
import json, sys
rows = [json.loads(l) for l in open(\"hn.jsonl\")]
assert len(rows) == 3, rows
assert sum(r[\"action\"] == \"delete\" for r in rows) == 2, rows
"
  test "$(ls hn/c | wc -l)" -eq 1
'

test_expect 'html contact sheet of the near groups' '
  fresh ht
  dedup --db ht.db --path ht --html sheet.html -q >/dev/null 2>&1 || true
  grep -q "<figure class=keep>" sheet.html
  test "$(grep -c "data:image/jpeg;base64," sheet.html)" -ge 9
  grep -q "ht/a/src1-half.png" sheet.html
  test_grep_not "http" sheet.html
'

test_expect 'html thumbnails fit 160 px and never enlarge a smaller image' '
  python3 "$(dirname "$test_script")/../ref/sheet_sizes.py" sheet.html >sizes
  grep -q "^160x120 ht/a/src1.jpg$" sizes
  grep -q "^120x90 ht/a/src1-half.png$" sizes
  test "$(wc -l <sizes)" -ge 9
'

test_expect 'a delete that fails is reported and the run goes on' '
  fresh ro
  chmod 555 ro/a
  if [ "$(id -u)" -eq 0 ]; then
    chown -R 65534 ro
    chmod 777 .
    run() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  else
    run() { "$@"; }
  fi
  rc=0; run dedup --db ro.db --path ro --delete -q >/dev/null 2>err || rc=$?
  chmod 755 ro/a
  test "$rc" -eq 1
  grep -q "ro/a/src1-copy.jpg: Permission denied" err
  test -e ro/a/src1-copy.jpg
  # the run went on: groups after the failed ones were still deleted
  # (exif6.jpg shows the PNGs pattern turned a quarter: they are its
  # rotated copies)
  grep -q "deleted 3 files" err
  test_path_is_missing ro/cats/img0002.gif ro/odd/png16.png ro/odd/interlaced.png
'

test_expect 'hard links: one inode is one file, never deleted as its own copy' '
  rm -rf hl outside
  mkdir -p hl/a outside
  mkfixtures dataset src-hl 11 2 0 a
  cp src-hl/a/img0000.jpg hl/a/x.jpg
  ln hl/a/x.jpg hl/a/x-link.jpg                  # a second name of one file
  cp src-hl/a/img0001.jpg hl/a/y.jpg
  cp hl/a/y.jpg hl/a/y-copy.jpg
  ln hl/a/y-copy.jpg outside/y-copy-elsewhere.jpg  # its bytes stay on disk
  for mode in "" --exact-only; do
    rm -f hl.db
    db scan hl -q --db hl.db 2>/dev/null
    dedup --path hl $mode --delete -q --db hl.db >out 2>err
    test -e hl/a/x.jpg
    test -e hl/a/x-link.jpg
    test ! -e hl/a/y-copy.jpg
    grep -q "1 hard links (other names of a file) left alone" err
    grep -q "deleted 1 files, 0 B reclaimed" err
    test "$(sqlite3 hl.db "SELECT json_extract(counts, \"$.acted_bytes\") FROM runs WHERE command = \"dedup\"")" -eq 0
    test "$(sqlite3 hl.db "SELECT count(*) FROM events")" -eq 1
    dedup --path hl $mode -q --db hl.db >out 2>/dev/null
    grep -qx "  hl/a/x.jpg = hl/a/x-link.jpg" out
    ln outside/y-copy-elsewhere.jpg hl/a/y-copy.jpg
  done
'

test_done
