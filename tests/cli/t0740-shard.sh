#!/usr/bin/env bash
# Scale-out: scraper, resize and label predict run as 3 shards locally,
# their catalogs merged, must equal one machine's run; shards never
# overlap.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
export WINNOW_MODELS="$top/models"

start_httpd
b=http://127.0.0.1:$port

# the same dataset root on "two machines": one/ runs whole, many/ in shards
for m in one many; do
  mkdir -p $m/lists/a $m/lists/b
  for i in $(seq 1 12); do echo "$b/img/$i.jpg"; done >$m/lists/a/urls_a.txt
  for i in $(seq 13 24); do echo "$b/img/$i.png"; done >$m/lists/b/urls_b.txt
done

# what a catalog knows, without ids, times and the machine's mtimes
dump() {
  sqlite3 "$1" "SELECT path, class, size, hex(xxh3), dhash, width, height, format, status
                FROM images ORDER BY path;
                SELECT i.path, d.source, d.recipe FROM derived d JOIN images i ON i.id = d.image_id
                ORDER BY i.path;
                SELECT url, class, status, http_code, bytes FROM urls ORDER BY url;
                SELECT i.path, p.model, hex(p.probs) FROM predictions p
                JOIN images i ON i.id = p.image_id ORDER BY i.path, p.model"
}

test_expect 'usage' '
  expect_exit 2 resize --path x --out y --shard 0/3
  expect_exit 2 resize --path x --out y --shard 4/3
  expect_exit 2 scraper --urls x --out y --shard 1
  expect_exit 2 label predict --path x --shard a/b
  db merge --help | grep -q "db merge shard1.db shard2.db shard3.db --into winnow.db"
  expect_exit 2 db merge a.db
  expect_exit 2 db merge --into c.db
'

test_expect 'one machine: scrape, resize, predict' '
  cd one
  # every download must land; the log says why when one does not
  scraper --urls lists --out raw --allow-private -q >scrape.log 2>&1 || { cat scrape.log; false; }
  resize --path raw --out train --size 64 -q 2>resize.log || { cat resize.log; false; }
  label predict --path train -q 2>predict.log || { cat predict.log; false; }
  test "$(sqlite3 winnow.db "SELECT count(*) FROM predictions WHERE model = \"mobilenet_v2\"")" -eq 24
  test "$(sqlite3 winnow.db "SELECT count(*) FROM predictions WHERE model = \"mid:mobilenet_v2\"")" -eq 24
'

test_expect 'three shards: each takes its own share, none overlap' '
  cd many
  for k in 1 2 3; do
    scraper --urls lists --out raw --shard $k/3 --db s$k.db --allow-private -q >scrape$k.log 2>&1 ||
      { cat scrape$k.log; false; }
  done
  for k in 1 2 3; do sqlite3 s$k.db "SELECT url FROM urls"; done | sort >urls
  test "$(wc -l <urls)" -eq 24
  test "$(sort -u urls | wc -l)" -eq 24
  for k in 1 2 3; do test "$(sqlite3 s$k.db "SELECT count(*) FROM urls")" -lt 24; done
  for k in 1 2 3; do
    resize --path raw --out train --size 64 --shard $k/3 --db s$k.db -q 2>resize$k.log ||
      { cat resize$k.log; false; }
  done
  for k in 1 2 3; do sqlite3 s$k.db "SELECT i.path FROM derived d JOIN images i ON i.id = d.image_id"; done | sort >made
  test "$(wc -l <made)" -eq 24
  test "$(sort -u made | wc -l)" -eq 24
  for k in 1 2 3; do
    label predict --path train --shard $k/3 --db s$k.db -q 2>predict$k.log ||
      { cat predict$k.log; false; }
  done
  for m in mobilenet_v2 mid:mobilenet_v2; do
    for k in 1 2 3; do sqlite3 s$k.db "SELECT image_id FROM predictions WHERE model = \"$m\"" | wc -l; done | paste -sd+ | bc | grep -qx 24
  done
'

test_expect 'merged, the shards equal the one machine' '
  db merge many/s1.db many/s2.db many/s3.db --into many/winnow.db 2>err
  test "$(grep -c "merged into" err)" -eq 3
  dump one/winnow.db >a
  dump many/winnow.db >b
  diff a b
  # the signals resize measured come along, tied to the same content
  test "$(sqlite3 one/winnow.db "SELECT count(*) FROM images WHERE sharpness IS NOT NULL")" -eq 24
  q="SELECT path, sharpness, entropy, chroma FROM images WHERE sharpness IS NOT NULL ORDER BY path"
  sqlite3 one/winnow.db "$q" >qa
  sqlite3 many/winnow.db "$q" >qb
  test "$(wc -l <qb)" -eq 24
  diff qa qb
  test "$(sqlite3 many/winnow.db "SELECT count(*) FROM runs")" -eq "$(for k in 1 2 3; do sqlite3 many/s$k.db "SELECT count(*) FROM runs"; done | paste -sd+ | bc)"
'

# opens PREFIX TRACE...: how often each file under PREFIX was opened in
# the straced runs, as "count path" lines sorted by path
opens() {
  p=$1; shift
  cat "$@" | grep -o "openat([^\"]*\"$p[^\"]*\"" | sed "s/^[^\"]*\"//; s/\"$//" |
    sort | uniq -c | sed "s/^ *//"
}

test_expect 'three shards of label predict and of db scan open each file once in total' '
  rm -rf solo parts
  mkdir solo parts
  cp -r one/train solo/train
  cp -r one/train parts/train
  (cd solo && traced -f -qq -e trace=openat -o ../t.solo label predict --path train -q 2>/dev/null)
  for k in 1 2 3; do
    (cd parts && traced -f -qq -e trace=openat -o ../t.$k \
       label predict --path train --shard $k/3 --db p$k.db -q 2>/dev/null)
  done
  opens train/ t.solo >solo.opens
  opens train/ t.1 t.2 t.3 >parts.opens
  test "$(wc -l <solo.opens)" -eq 24
  diff solo.opens parts.opens
  # and each file by one shard only: no file in two traces
  for k in 1 2 3; do opens train/ t.$k | cut -d" " -f2; done | sort | uniq -d >twice
  test_must_be_empty twice
  for k in 1 2 3; do test "$(opens train/ t.$k | wc -l)" -lt 24; done
  db merge parts/p1.db parts/p2.db parts/p3.db --into parts/winnow.db 2>/dev/null
  dump solo/winnow.db >a
  dump parts/winnow.db >b
  diff a b
  rm -rf scan1
  mkdir scan1
  cp -r one/train scan1/train
  (cd scan1 && db scan train -q 2>/dev/null)
  for k in 1 2 3; do
    (cd scan1 && traced -f -qq -e trace=openat -o ../s.$k db scan train --shard $k/3 --db s$k.db -q \
       2>err$k)
    grep -q "(shard $k of 3; [0-9]* are other shards'"'"')" scan1/err$k
  done
  opens train/ s.1 s.2 s.3 >scan.opens
  test "$(wc -l <scan.opens)" -eq 24
  test "$(cut -d" " -f1 scan.opens | sort -u)" = 1
  db merge scan1/s1.db scan1/s2.db scan1/s3.db --into scan1/merged.db 2>/dev/null
  dump scan1/winnow.db >a
  dump scan1/merged.db >b
  diff a b
  expect_exit 2 db scan train --shard 3/2
'

counts() {
  sqlite3 "$1" "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM events),
                       (SELECT count(*) FROM dup_groups), (SELECT count(*) FROM urls)"
}

test_expect 'merging again changes nothing; an older catalog, another folder are refused' '
  dump many/winnow.db >b1
  counts many/winnow.db >c1
  db merge many/s1.db many/s2.db --into many/winnow.db 2>/dev/null
  dump many/winnow.db >b2
  counts many/winnow.db >c2
  diff b1 b2
  diff c1 c2
  mkdir -p many/shards
  cp many/s3.db many/shards/
  expect_exit 3 db merge many/shards/s3.db --into many/winnow.db 2>err
  grep -q "not in the folder of" err
  sqlite3 many/old.db "PRAGMA user_version = 3; CREATE TABLE images (id INTEGER)"
  expect_exit 3 db merge many/old.db --into many/winnow.db 2>err
  grep -q "old.db: an older catalog" err
'

test_done
