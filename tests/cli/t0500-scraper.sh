#!/usr/bin/env bash
# scraper against the test web server: classes, names, every fault mode,
# retries, resume, limits, and a killed run.
. "$(dirname "$0")/lib.sh"

start_httpd
b=http://127.0.0.1:$port
mkdir -p lists/porn lists/neutral
for i in 1 2 3 4 5; do echo "$b/img/$i.jpg"; done >lists/porn/urls_porn.txt
cat >lists/neutral/urls_neutral.txt <<EOT
# a comment, then a duplicate of a porn URL
$b/img/3.jpg
$b/img/20.png
$b/html.jpg
$b/empty.jpg
$b/status/404
$b/status/403
$b/retry/1/9
$b/truncated.jpg
$b/redirect/file
$b/redirect/ftp
$b/redirect/loop
$b/redirect/other
$b/noai.jpg
$b/tiny.jpg
$b/reset
$b/status/500
ftp://example.org/x.jpg
not a url
EOT

kind() {  # kind PATH: the error kind the catalog has for that URL
  sqlite3 winnow.db "SELECT coalesce(error_kind, status) FROM urls WHERE url = '$b/$1'"
}

test_expect 'help and usage errors' '
  scraper --help | grep -q "scraper --urls raw_data --out raw"
  expect_exit 2 scraper
  expect_exit 2 scraper --urls lists
  expect_exit 2 scraper --urls lists --out o --parallel 0
  expect_exit 3 scraper --urls nosuch --out o 2>err
  grep -q "nosuch: No such file" err
  : >empty.txt
  expect_exit 3 scraper --urls empty.txt --out o 2>err
  grep -q "no URLs in this list" err
'

test_expect 'a folder of class lists: images land in class folders by content hash' '
  expect_exit 1 scraper --urls lists --out raw --retry-wait 0.05 --failed failed.tsv -q 2>err
  # img/3 is listed in both; neutral is read first (name order) and keeps it
  test "$(ls raw/porn | wc -l)" -eq 4
  for f in raw/porn/*; do
    case "$f" in raw/porn/[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*[0-9a-f].jpg) ;; *) echo "bad name $f"; exit 1 ;; esac
  done
  ls raw/neutral | grep -q "\.png$"
  test "$(sqlite3 winnow.db "SELECT count(*) FROM urls WHERE status = \"done\"")" -eq 8
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE source_url IS NOT NULL AND xxh3 IS NOT NULL AND width > 0")" -eq 8
  grep -q "urls_neutral.txt:18: unsupported scheme .ftp." err
  grep -q "urls_neutral.txt:19: contains a space" err
  grep -q "class porn  *4 downloaded, 0 failed" err
  grep -q "failed: http-404  *1" err
'

test_expect 'each fault ends as it should' '
  test "$(kind html.jpg)" = not-image
  test "$(kind empty.jpg)" = empty
  test "$(kind status/404)" = http-404
  test "$(kind status/403)" = http-4xx
  test "$(kind retry/1/9)" = done
  test "$(sqlite3 winnow.db "SELECT attempts FROM urls WHERE url = \"$b/retry/1/9\"")" -eq 2
  test "$(kind truncated.jpg)" = truncated
  test "$(sqlite3 winnow.db "SELECT attempts FROM urls WHERE url = \"$b/truncated.jpg\"")" -eq 4
  test "$(kind redirect/file)" = bad-redirect
  test "$(kind redirect/ftp)" = bad-redirect
  test "$(kind redirect/loop)" = redirect-loop
  test "$(kind redirect/other)" = done
  test "$(sqlite3 winnow.db "SELECT final_url FROM urls WHERE url = \"$b/redirect/other\"")" = "http://127.0.0.2:$port/img/2.jpg"
  test "$(kind noai.jpg)" = robots-tag
  test "$(kind tiny.jpg)" = too-small
  test "$(kind reset)" = reset
  test "$(sqlite3 winnow.db "SELECT attempts FROM urls WHERE url = \"$b/reset\"")" -eq 4
  test "$(kind status/500)" = http-5xx
  test "$(sqlite3 winnow.db "SELECT attempts || transient FROM urls WHERE url = \"$b/status/500\"")" = 41
  # permanent failures were not retried
  test "$(sqlite3 winnow.db "SELECT attempts FROM urls WHERE url = \"$b/status/404\"")" -eq 1
  test "$(grep -c . failed.tsv)" -eq 13
'

test_expect 'a second run skips what is done; --retry-failed retries only transient failures' '
  scraper --urls lists/porn --out raw -q 2>err
  grep -q "0 downloaded, 0 failed, 5 already done" err
  # 20 distinct URLs; truncated, reset and 500 failed for transient reasons
  expect_exit 1 scraper --urls lists --out raw --retry-failed --retry-wait 0.05 -q 2>err
  grep -q " 0 downloaded, 3 failed, 17 already done" err
  scraper --urls lists/porn --out raw --ignore-robots-tag -q
'

test_expect 'X-Robots-Tag can be ignored on purpose' '
  echo "$b/noai.jpg" >noai.txt
  scraper --db n.db --urls noai.txt --out n --ignore-robots-tag -q
  test "$(ls n | wc -l)" -eq 1
'

test_expect 'byte limits: on Content-Length and while receiving' '
  printf "%s\n" "$b/huge.jpg" "$b/img/4.jpg" >big.txt
  expect_exit 1 scraper --db big.db --urls big.txt --class c --out big --max-bytes 10k -q
  test "$(sqlite3 big.db "SELECT group_concat(error_kind) FROM urls")" = "too-large,too-large"
'

test_expect 'a slow drip is cut off by the low-speed limit' '
  echo "$b/drip.jpg" >drip.txt
  expect_exit 1 scraper --db d.db --urls drip.txt --class c --out d --low-speed-time 1 --retries 0 -q
  test "$(sqlite3 d.db "SELECT error_kind || transient FROM urls")" = timeout1
'

test_expect 'CSV lists with a class column; no class climbs out of --out' '
  printf "id,url,label\n1,%s,sexy\n2,%s,drawings\n3,%s,../../escaped\n4,%s,..\n" \
    "$b/img/30.jpg" "$b/img/31.jpg" "$b/img/32.jpg" "$b/img/33.jpg" >l.csv
  expect_exit 1 scraper --db c.db --urls l.csv --out c -q 2>err
  test -n "$(ls c/sexy)"
  test -n "$(ls c/drawings)"
  test_path_is_missing escaped ../escaped
  test "$(ls c | wc -l)" -eq 2
  grep -q "l.csv:4: the class holds a slash" err
  grep -q "l.csv:5: the class is not a folder name" err
  expect_exit 2 scraper --urls l.csv --out c --class ../x
'

test_expect 'resize as bodies arrive: no full-size file is kept' '
  for i in 40 41 42 43; do echo "$b/img/$i.jpg"; done >rs.txt
  scraper --db rs.db --urls rs.txt --class c --out rs --resize 100 -q
  test "$(sqlite3 rs.db "SELECT group_concat(DISTINCT height) FROM images")" = 100
  test "$(ls rs/c | wc -l)" -eq 4
  scraper --db rs2.db --urls rs.txt --class c --out rs2 --geometry "50x50!" -q
  test "$(sqlite3 rs2.db "SELECT group_concat(DISTINCT width || \"x\" || height) FROM images")" = 50x50
  expect_exit 2 scraper --urls rs.txt --out x --resize 100 --geometry x50
'

test_expect 'a run killed with SIGKILL leaves no partial file; the next one finishes' '
  for i in $(seq 100 219); do echo "$b/img/$i.jpg"; done >many.txt
  scraper --db k.db --urls many.txt --class c --out k --parallel 4 -q & pid=$!
  sleep 0.5; kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  if [ -d k ]; then test_no_temp_files k; fi
  for f in k/c/*.jpg; do [ -e "$f" ] || continue; python3 -c "
import sys
d = open(sys.argv[1], \"rb\").read()
sys.exit(0 if d[:2] == b\"\\xff\\xd8\" and d[-2:] == b\"\\xff\\xd9\" else 1)" "$f"; done
  scraper --db k.db --urls many.txt --class c --out k -q
  test "$(ls k/c | wc -l)" -eq 120
  test "$(sqlite3 k.db "SELECT count(*) FROM urls WHERE status = \"done\"")" -eq 120
  test "$(sqlite3 k.db "SELECT count(*) FROM images")" -eq 120
'

test_done
