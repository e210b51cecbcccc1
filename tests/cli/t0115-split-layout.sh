#!/usr/bin/env bash
# db split --layout folders|webdataset: the split as a trainer reads it.
# Class folders of hard links, symbolic links or copies (and copies where
# a hard link cannot cross file systems), WebDataset shards read back with
# Python's tarfile and GNU tar, each split's images the CSV manifests'
# ones; OUT replaced whole by a re-run, a foreign OUT refused and left as
# it is, a run killed midway (WINNOW_TEST_KILL_AFTER=N, cli.h) or failing
# on an unreadable image leaving OUT as it was.
. "$(dirname "$0")/lib.sh"

mkfixtures dataset ds 4 40 0 cats dogs birds
mkfixtures near near 5 6
cp -r near/a/. ds/cats/
f1=$(ls ds/cats | sed -n 2p)
mkdir -p ds/cats/more
cp "ds/cats/$f1" "ds/cats/more/$f1"   # an exact copy by the same name: one folder
db scan -q ds 2>/dev/null
db split --out csv --seed 1 2>/dev/null
export f1

# listing DIR: every path under DIR with its type, link count and size
listing() {
  (cd "$1" && find . -printf '%p %y %n %s\n' | sort)
}

# same_as_csv OUT KIND: OUT's folders hold exactly the CSV's images of each
# split, each as KIND (hard, sym or copy) of its source
same_as_csv() {
  python3 - "$1" "$2" <<'EOF'
import csv, os, sys
out, kind = sys.argv[1], sys.argv[2]
classes = open(out + "/classes.txt").read().split("\n")[:-1]
assert classes == sorted(classes) == ["birds", "cats", "dogs"], classes
for part in ("train", "val", "test"):
    rows = list(csv.DictReader(open("csv/%s.csv" % part)))
    if not rows:
        assert not os.path.exists(out + "/" + part), part
        continue
    assert sorted(os.listdir(out + "/" + part)) == classes, part
    files = {}
    for c in classes:
        for name in os.listdir("%s/%s/%s" % (out, part, c)):
            files["%s/%s/%s/%s" % (out, part, c, name)] = c
    assert len(files) == len(rows), (part, len(files), len(rows))
    for r in rows:
        src = os.stat(r["path"])
        there = [f for f, c in files.items() if c == r["class"] and
                 open(f, "rb").read() == open(r["path"], "rb").read()]
        assert there, r
        f = there[0]
        st = os.lstat(f)
        if kind == "hard":
            assert any(os.lstat(g).st_ino == src.st_ino for g in there), r
            assert src.st_nlink >= 2, r
        elif kind == "sym":
            assert os.path.islink(f), f
            assert any(os.readlink(g) == os.path.realpath(r["path"]) for g in there), r
        else:
            assert not os.path.islink(f) and st.st_ino != src.st_ino and st.st_nlink == 1, f
print(sum(1 for _ in open(out + "/classes.txt")))
EOF
}

test_expect 'usage errors' '
  db split --help >help
  grep -q "layout folders" help
  grep -q "layout webdataset --shard-size" help
  expect_exit 2 db split --out o --layout tar
  expect_exit 2 db split --out o --link hard
  expect_exit 2 db split --out o --layout webdataset --link sym
  expect_exit 2 db split --out o --layout folders --shard-size 10
  expect_exit 2 db split --out o --layout webdataset --shard-size 0
  expect_exit 2 db split --out o --layout folders --link soft
  test_path_is_missing o
'

test_expect 'the default layout is csv, as before' '
  db split --out csv2 --seed 1 --layout csv 2>err
  for f in train val test; do cmp csv/$f.csv csv2/$f.csv; done
  test_path_is_missing csv2/.winnow-split csv2/classes.txt
'

test_expect 'folders of hard links: the CSV manifests'"'"' images, one folder a class' '
  db split --out hard --layout folders --seed 1 2>err
  same_as_csv hard hard
  grep -q "in hard/ as class folders of hard links" err
  test_grep_not "note:" err
  grep -q "^db split --layout folders --link hard --val 0.1 --test 0.1 --seed 1$" hard/.winnow-split
  test_no_temp_files .
  test "$(ls -a | grep -c winnow-tmp)" -eq 0
'

test_expect 'a name taken twice in one class folder gets ~2' '
  where=$(grep -h "/$f1," csv/*.csv | cut -d, -f1 | sort)
  test "$(echo "$where" | wc -l)" -eq 2
  part=$(grep -l "/$f1," csv/*.csv | xargs -n1 basename | sed "s/\.csv$//" | sort -u)
  test "$(echo "$part" | wc -l)" -eq 1
  stem=${f1%.*}
  ext=${f1##*.}
  test_path_is_file "hard/$part/cats/$f1"
  test_path_is_file "hard/$part/cats/$stem~2.$ext"
  test "$(stat -c %i "hard/$part/cats/$f1")" = "$(stat -c %i "ds/cats/$f1")"
  test "$(stat -c %i "hard/$part/cats/$stem~2.$ext")" = "$(stat -c %i "ds/cats/more/$f1")"
'

test_expect 'symbolic links point at the sources'"'"' real paths; copies are copies' '
  db split --out sym --layout folders --link sym --seed 1 2>/dev/null
  same_as_csv sym sym
  db split --out copy --layout folders --link copy --seed 1 2>/dev/null
  same_as_csv copy copy
  test_no_temp_files copy
'

# A second file system for the hard links' fallback: /dev/shm (tmpfs) when
# it is one; else that case is skipped, and said so.
other=
if [ -d /dev/shm ] && [ -w /dev/shm ] &&
   [ "$(stat -c %d /dev/shm)" != "$(stat -c %d .)" ]; then
  other=$(mktemp -d --tmpdir=/dev/shm)
  trap '[ -z "$httpd_pid" ] || httpd_kill KILL; rm -rf "$scratch" "$other"' EXIT
else
  echo "# skipped the hard links across file systems: /dev/shm is not another file system here"
fi

if [ -n "$other" ]; then
test_expect 'hard links across file systems fall back to copies, with one note' '
  db split --out "$other/x" --layout folders --seed 1 2>err
  same_as_csv "$other/x" copy
  test "$(grep -c "note:" err)" -eq 1
  n=$(($(find "$other/x" -type f ! -name ".*" ! -name classes.txt | wc -l)))
  grep -q "note: $n images copied, not hard-linked: $other/x is on another file system than the dataset (Invalid cross-device link)" err
  test_no_temp_files "$other"
'
fi

# An immutable file (chattr +i) cannot be hard-linked, not even by root:
# the other way a link is refused. Skipped, and said so, where chattr +i
# is not permitted (it needs CAP_LINUX_IMMUTABLE and a file system with it).
: >probe
if chattr +i probe 2>/dev/null; then
  chattr -i probe
  immutable=1
else
  immutable=
  echo "# skipped the hard link not permitted: chattr +i is not permitted here"
fi

if [ -n "$immutable" ]; then
test_expect 'a hard link not permitted falls back to a copy, with one note' '
  one=$(sed -n 2p csv/train.csv | cut -d, -f1)
  chattr +i "$one"
  rc=0; db split --out imm --layout folders --seed 1 2>err || rc=$?
  chattr -i "$one"
  test "$rc" -eq 0
  test "$(grep -c "note:" err)" -eq 1
  grep -q "note: 1 images copied, not hard-linked: links to them are not permitted (Operation not permitted)" err
  test "$(find imm -samefile "$one" | wc -l)" -eq 0
  test "$(find imm -type f -links 1 ! -name ".*" ! -name classes.txt | wc -l)" -eq 1
'
fi

# shards OUT N [CSV]: every shard of OUT read with tarfile: the samples of
# each split are those of the manifests in CSV (default csv), in shards of
# N, with .cls and .json true to them
shards() {
  python3 - "$1" "$2" "${3:-csv}" <<'EOF'
import csv, json, os, re, sys, tarfile
out, size, manifests = sys.argv[1], int(sys.argv[2]), sys.argv[3]
classes = open(out + "/classes.txt").read().split("\n")[:-1]
assert classes == sorted(classes), classes
for part in ("train", "val", "test"):
    rows = {r["path"]: r for r in csv.DictReader(open("%s/%s.csv" % (manifests, part)))}
    names = sorted(os.listdir(out + "/" + part))
    assert names == ["%s-%06d.tar" % (part, i) for i in range(len(names))], names
    seen, keys = set(), []
    for k, name in enumerate(names):
        samples = {}
        with tarfile.open("%s/%s/%s" % (out, part, name)) as t:
            for m in t.getmembers():
                assert m.isfile() and m.mode == 0o644, m.name
                key, ext = m.name.split(".", 1)
                samples.setdefault(key, {})[ext] = t.extractfile(m).read()
                if not keys or keys[-1] != key:
                    keys.append(key)
        want = size if k < len(names) - 1 else len(rows) - size * (len(names) - 1)
        assert len(samples) == want, (name, len(samples), want)
        for key, s in samples.items():
            img = [e for e in s if e in ("jpg", "png", "gif", "webp")]
            assert len(img) == 1 and sorted(s) == sorted(img + ["cls", "json"]), (key, sorted(s))
            meta = json.loads(s["json"])
            assert sorted(meta) == ["class", "group", "height", "path", "size", "width"], meta
            r = rows[meta["path"]]
            assert meta["class"] == r["class"] and str(meta["group"]) == r["group"], (meta, r)
            assert str(meta["width"]) == r["width"] and str(meta["height"]) == r["height"]
            assert classes[int(s["cls"])] == meta["class"], (s["cls"], meta)
            data = open(meta["path"], "rb").read()
            assert s[img[0]] == data and meta["size"] == len(data), key
            assert {b"\xff\xd8": "jpg", b"\x89P": "png", b"GI": "gif", b"RI": "webp"}[data[:2]] == img[0]
            seen.add(meta["path"])
    assert seen == set(rows), part
    assert keys == ["%09d" % i for i in range(len(rows))], keys[:5]
print("ok")
EOF
}

test_expect 'webdataset shards: tarfile and GNU tar read them; samples as the CSV says' '
  db split --out wds --layout webdataset --shard-size 16 --seed 1 2>err
  grep -q "in wds/ as WebDataset shards" err
  test "$(shards wds 16)" = ok
  for t in wds/*/*.tar; do tar -tf "$t" >>names; done
  test "$(wc -l <names)" -eq $((3 * $(cat csv/*.csv | grep -vc "^path,")))
  test "$(grep -c "\.json$" names)" -eq "$(grep -c "\.cls$" names)"
  test_no_temp_files wds
  db split --out wds1 --layout webdataset --seed 1 2>/dev/null
  test "$(shards wds1 1000)" = ok
  test "$(ls wds1/train | wc -l)" -eq 1
'

test_expect 'with --path, the .json still holds the catalog path' '
  db split --out csvp --path ds/dogs --seed 1 2>/dev/null
  (cd ds && db split --db ../winnow.db --out ../wdsp --path dogs --layout webdataset \
    --shard-size 5 --seed 1 2>/dev/null)
  test "$(shards wdsp 5 csvp)" = ok
  grep -q "\"path\":\"ds/dogs/" wdsp/val/val-000000.tar
'

test_expect 'each split written has every class'"'"'s folder, empty with a note' '
  mkdir -p tiny/big tiny/small
  cp ds/dogs/* tiny/big/
  cp "ds/birds/$(ls ds/birds | head -1)" tiny/small/
  db scan -q --db tiny.db tiny 2>/dev/null
  db split --db tiny.db --out te --layout folders --val 0.3 --test 0 2>err
  test "$(find te -mindepth 2 -type d | wc -l)" -eq 4
  test "$(find te -mindepth 2 -type d -empty | wc -l)" -eq 1
  empty=$(find te -mindepth 2 -type d -empty)
  grep -q "^db split: note: ${empty%/small} has no image of 1 of the 2 classes; their folders are empty$" err
  test_path_is_missing te/test
'

test_expect 'the same seed gives the same shards; the samples mix the classes' '
  db split --out wds2 --layout webdataset --shard-size 16 --seed 1 2>/dev/null
  for t in wds/*/*.tar; do cmp "$t" "wds2/${t#wds/}"; done
  python3 -c "
import json, tarfile
t = tarfile.open(\"wds/train/train-000000.tar\")
c = {json.load(t.extractfile(m))[\"class\"] for m in t.getmembers() if m.name.endswith(\".json\")}
assert len(c) == 3, c
"
'

test_expect 'a re-run replaces OUT whole: nothing of the first run is left' '
  db split --out re --layout folders --seed 1 2>/dev/null
  touch re/train/cats/stray.jpg
  db split --out re --layout folders --seed 2 --path ds/cats 2>/dev/null
  db split --out fresh --layout folders --seed 2 --path ds/cats 2>/dev/null
  listing re >a
  listing fresh >b
  diff a b
  grep -q -- "--seed 2$" re/.winnow-split
  test "$(ls -a | grep -c winnow-tmp)" -eq 0
  db split --out re --layout webdataset --seed 2 2>/dev/null
  test_path_is_missing re/train/cats
  test_path_is_file re/train/train-000000.tar
'

test_expect 'the new split is flushed to disk before it is swapped in, its folder after' '
  db split --out fl --layout webdataset --seed 1 2>/dev/null
  traced -f -qq -e trace=syncfs,renameat2,fsync -o trace \
    db split --out fl --layout folders --seed 2 2>/dev/null
  grep -n -E "syncfs|renameat2|fsync" trace | grep -v "ENOSYS" >calls
  sync_at=$(grep -m1 "syncfs(.*= 0$" calls | cut -d: -f1)
  swap_at=$(grep -m1 "renameat2(.*RENAME_EXCHANGE) = 0$" calls | cut -d: -f1)
  test -n "$sync_at"
  test -n "$swap_at"
  test "$sync_at" -lt "$swap_at"
  tail -n +"$swap_at" calls | grep -q "fsync(.*= 0$"
'

test_expect 'an OUT winnow did not make is refused and left as it is' '
  mkdir -p mine/sub
  echo keep >mine/sub/notes.txt
  listing mine >before
  expect_exit 2 db split --out mine --layout folders 2>err
  test "$(wc -l <err)" -eq 1
  grep -q "^db split: mine: not empty and not made by winnow (no .winnow-split): not replaced$" err
  listing mine >after
  diff before after
  test "$(ls -a | grep -c winnow-tmp)" -eq 0
  echo x >afile
  expect_exit 2 db split --out afile --layout webdataset 2>err
  test "$(cat afile)" = x
  mkdir empty
  db split --out empty --layout folders 2>/dev/null
  test_path_is_file empty/.winnow-split
  expect_exit 2 db split --out empty 2>err
  grep -q "holds a split in another layout" err
  test_path_is_missing empty/train.csv
'

test_expect 'a run killed midway leaves OUT as it was; the next cleans up after it' '
  db split --out k --layout webdataset --shard-size 8 --seed 1 2>/dev/null
  listing k >before
  cp k/.winnow-split marker.before
  rc=0; WINNOW_TEST_KILL_AFTER=20 db split --out k --layout folders --seed 3 2>/dev/null || rc=$?
  test "$rc" -eq 137
  listing k >after
  diff before after
  cmp marker.before k/.winnow-split
  test "$(ls -a | grep -c "^\.k\.winnow-tmp\.")" -eq 1
  test "$(find .k.winnow-tmp.* -type f | wc -l)" -ge 20
  db split --out k --layout folders --seed 3 2>/dev/null
  test "$(ls -a | grep -c winnow-tmp)" -eq 0
  grep -q "^db split --layout folders --link hard --val 0.1 --test 0.1 --seed 3$" k/.winnow-split
  test_path_is_missing k/train/train-000000.tar
'

test_expect 'an image that cannot be read is named; OUT is left as it was' '
  db split --out u --layout folders --seed 1 2>/dev/null
  listing u >before
  gone=$(sed -n 2p csv/val.csv | cut -d, -f1)
  mv "$gone" away.jpg
  expect_exit 3 db split --out u --layout folders --seed 1 2>err
  grep -q "^db split: $gone: No such file or directory$" err
  grep -q "^db split: 1 images could not be read: u left as it was$" err
  test "$(wc -l <err)" -eq 2
  expect_exit 3 db split --out u --layout webdataset --seed 1 2>err
  grep -q "^db split: $gone: No such file or directory$" err
  mv away.jpg "$gone"
  listing u >after
  diff before after
  test "$(ls -a | grep -c winnow-tmp)" -eq 0
'

test_done
