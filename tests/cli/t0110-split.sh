#!/usr/bin/env bash
# db split: stratified, repeatable, and no group of copies (exact, near,
# mirrored, rotated) across splits.
. "$(dirname "$0")/lib.sh"

mkfixtures dataset ds 3 60 0 a b
mkfixtures near near 5 12
cp -r near/a/. ds/a/
cp -r near/b/. ds/b/
f1=$(ls ds/a | sed -n 2p)
f2=$(ls ds/a | sed -n 3p)
cp "ds/a/$f1" "ds/a/copy-$f1"        # an exact copy
cp "ds/a/$f2" "ds/b/elsewhere-$f2"   # one in the other class
mkdir -p turned
mkfixtures turned turned/c 7 2       # mirrored and rotated copies
cp turned/c/t0.jpg turned/c/t0-rot90.png turned/c/t0-mirror.jpg turned/c/t1.jpg ds/a/
cp turned/c/t1-fliprot.jpg ds/b/
export f1 f2
db scan -q ds 2>/dev/null || true

check() {  # check DIR: every group in one split; per-class shares near the asked ones
  python3 - "$1" <<'EOF'
import collections, csv, sys
d = sys.argv[1]
where, groups, per, group_of = {}, collections.defaultdict(set), collections.Counter(), {}
for s in ("train", "val", "test"):
    for r in csv.DictReader(open("%s/%s.csv" % (d, s))):
        assert r["path"] not in where, r["path"]
        where[r["path"]] = s
        group_of[r["path"]] = r["group"]
        per[(r["class"], s)] += 1
        if r["group"] != "0":
            groups[r["group"]].add(s)
assert all(len(v) == 1 for v in groups.values()), groups
assert len(groups) >= 12, len(groups)
# exact, near, mirrored and rotated copies share a split
import os
f1, f2 = os.environ["f1"], os.environ["f2"]
for a, b in (("ds/a/" + f1, "ds/a/copy-" + f1), ("ds/a/" + f2, "ds/b/elsewhere-" + f2),
             ("ds/a/src3.jpg", "ds/a/src3-half.png")):
    assert where[a] == where[b], (a, b, where[a], where[b])
# mirrored and rotated copies are in their source's group
for a, b in (("ds/a/t0.jpg", "ds/a/t0-rot90.png"), ("ds/a/t0.jpg", "ds/a/t0-mirror.jpg"),
             ("ds/a/t1.jpg", "ds/b/t1-fliprot.jpg")):
    assert group_of[a] != "0" and group_of[a] == group_of[b], (a, b, group_of[a], group_of[b])
for c in ("a", "b"):
    n = sum(per[(c, s)] for s in ("train", "val", "test"))
    for s, share in (("val", 0.1), ("test", 0.1)):
        assert abs(per[(c, s)] - share * n) <= 3, (c, s, per[(c, s)], n)
print(len(where))
EOF
}

test_expect 'usage errors' '
  db split --help | grep -q "db split --out splits"
  expect_exit 2 db split
  expect_exit 2 db split --out o --val 0.6 --test 0.5
  expect_exit 2 db split --out o --val x
  expect_exit 2 db split --out o --test 1
  test ! -e o
'

test_expect 'stratified manifests; duplicate groups never straddle two splits' '
  db split --out s1 --seed 1 2>err
  for f in train val test; do head -1 s1/$f.csv | grep -q "^path,class,group,width,height$"; done
  n=$(check s1)
  test "$n" -eq "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE status = \"ok\" AND class IS NOT NULL")"
  grep -q "duplicate groups kept whole" err
'

test_expect 'the same seed gives the same split; another seed another' '
  db split --out s2 --seed 1 2>/dev/null
  for f in train val test; do cmp s1/$f.csv s2/$f.csv; done
  db split --out s3 --seed 2 2>/dev/null
  check s3 >/dev/null
  expect_exit 1 cmp -s s1/test.csv s3/test.csv
'

test_expect '--path limits it to one folder; --val 0 leaves val empty' '
  mkdir -p other/a
  cp "ds/a/$f1" other/a/
  db scan -q other 2>/dev/null
  db split --out s4 --path ds --val 0 --test 0.2 2>/dev/null
  test "$(tail -n +2 s4/val.csv | wc -l)" -eq 0
  test_grep_not "^other/" s4/train.csv s4/test.csv
'

test_done
