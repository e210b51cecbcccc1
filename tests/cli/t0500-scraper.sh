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
  expect_exit 1 scraper --allow-private --urls lists --out raw --retry-wait 0.05 --failed failed.tsv -q 2>err
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
  scraper --allow-private --urls lists/porn --out raw -q 2>err
  grep -q "0 downloaded, 0 failed, 5 already done" err
  # 20 distinct URLs; truncated, reset and 500 failed for transient reasons
  expect_exit 1 scraper --allow-private --urls lists --out raw --retry-failed --retry-wait 0.05 -q 2>err
  grep -q " 0 downloaded, 3 failed, 17 already done" err
  scraper --allow-private --urls lists/porn --out raw --ignore-robots-tag -q
'

test_expect 'X-Robots-Tag can be ignored on purpose' '
  echo "$b/noai.jpg" >noai.txt
  scraper --allow-private --db n.db --urls noai.txt --out n --ignore-robots-tag -q
  test "$(ls n | wc -l)" -eq 1
'

test_expect 'byte limits: on Content-Length and while receiving' '
  printf "%s\n" "$b/huge.jpg" "$b/img/4.jpg" >big.txt
  expect_exit 1 scraper --allow-private --db big.db --urls big.txt --class c --out big --max-bytes 10k -q
  test "$(sqlite3 big.db "SELECT group_concat(error_kind) FROM urls")" = "too-large,too-large"
'

test_expect 'a slow drip is cut off by the low-speed limit' '
  echo "$b/drip.jpg" >drip.txt
  expect_exit 1 scraper --allow-private --db d.db --urls drip.txt --class c --out d --low-speed-time 1 --retries 0 -q
  test "$(sqlite3 d.db "SELECT error_kind || transient FROM urls")" = timeout1
'

test_expect 'CSV lists with a class column; no class climbs out of --out' '
  printf "id,url,label\n1,%s,sexy\n2,%s,drawings\n3,%s,../../escaped\n4,%s,..\n" \
    "$b/img/30.jpg" "$b/img/31.jpg" "$b/img/32.jpg" "$b/img/33.jpg" >l.csv
  expect_exit 1 scraper --allow-private --db c.db --urls l.csv --out c -q 2>err
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
  scraper --allow-private --db rs.db --urls rs.txt --class c --out rs --resize 100 -q
  test "$(sqlite3 rs.db "SELECT group_concat(DISTINCT height) FROM images")" = 100
  test "$(ls rs/c | wc -l)" -eq 4
  scraper --allow-private --db rs2.db --urls rs.txt --class c --out rs2 --geometry "50x50!" -q
  test "$(sqlite3 rs2.db "SELECT group_concat(DISTINCT width || \"x\" || height) FROM images")" = 50x50
  expect_exit 2 scraper --urls rs.txt --out x --resize 100 --geometry x50
'

test_expect 'a run killed with SIGKILL leaves no partial file; the next one finishes' '
  for i in $(seq 100 219); do echo "$b/img/$i.jpg"; done >many.txt
  scraper --allow-private --db k.db --urls many.txt --class c --out k --parallel 4 -q & pid=$!
  sleep 0.5; kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  if [ -d k ]; then test_no_temp_files k; fi
  for f in k/c/*.jpg; do [ -e "$f" ] || continue; python3 -c "
import sys
d = open(sys.argv[1], \"rb\").read()
sys.exit(0 if d[:2] == b\"\\xff\\xd8\" and d[-2:] == b\"\\xff\\xd9\" else 1)" "$f"; done
  scraper --allow-private --db k.db --urls many.txt --class c --out k -q
  test "$(ls k/c | wc -l)" -eq 120
  test "$(sqlite3 k.db "SELECT count(*) FROM urls WHERE status = \"done\"")" -eq 120
  test "$(sqlite3 k.db "SELECT count(*) FROM images")" -eq 120
'

# A second server that logs every request and answers each after 20 ms,
# for the tests that must know what was fetched and when.
"${WINNOW_HTTPD:-httpd}" --log requests.log --latency-ms 20 >port2.txt 2>httpd2.log & server2=$!
# (lib.sh's trap, plus this server: a trap naming an unset variable stops
# at it under set -u, and left the server running and the scratch folder)
trap '[ -z "$httpd_pid" ] || httpd_kill KILL; kill "$server2" 2>/dev/null; rm -rf "$scratch"' EXIT
# up to 60 s: a sanitized build starts slowly
for _ in $(seq 600); do [ -s port2.txt ] && break; sleep 0.1; done
b2=http://127.0.0.1:$(awk '{print $2}' port2.txt)

# files_in DIR N: waits (up to 60 s, against a hang) until DIR holds N files.
files_in() {
  for _ in $(seq 600); do
    if [ "$(ls "$1" 2>/dev/null | wc -l)" -ge "$2" ]; then return 0; fi
    sleep 0.1
  done
  return 1
}

# fetched_again FOLDER FROM: the URLs of files that were in FOLDER before
# a re-run (listed in before.txt) that the server was asked for again
# after line FROM of its log; none, on success.
fetched_again() {
  while read -r f; do
    u=$(sqlite3 "$3" "SELECT source_url FROM images WHERE path LIKE \"%/$f\"")
    test -n "$u" || { echo "no row for $f"; continue; }
    if tail -n +"$(($2 + 1))" requests.log | grep -qx "${u#$b2}"; then echo "$u"; fi
  done <"$1"
  return 0
}

test_expect 'private addresses are refused without --allow-private' '
  printf "%s\n" "$b2/img/50.jpg" "http://localhost:${b2##*:}/img/51.jpg" \
    "http://[::1]:${b2##*:}/img/52.jpg" "http://[::ffff:127.0.0.1]:${b2##*:}/img/53.jpg" \
    "http://0.0.0.0:${b2##*:}/img/54.jpg" "http://10.1.2.3/x.jpg" "http://172.16.0.1/x.jpg" \
    "http://192.168.1.1/x.jpg" "http://100.64.0.1/x.jpg" "http://169.254.169.254/x.jpg" \
    "http://224.0.0.1/x.jpg" "http://[fc00::1]/x.jpg" "http://[fe80::1]/x.jpg" >priv.txt
  before=$(wc -l <requests.log)
  expect_exit 1 scraper --db pv.db --urls priv.txt --class c --out pv --failed pv.tsv -q 2>err
  test ! -e pv/c
  test "$(wc -l <requests.log)" -eq "$before"
  test "$(sqlite3 pv.db "SELECT count(*) FROM urls WHERE error_kind = \"refused\" AND transient = 0 AND attempts = 1")" -eq 13
  grep -q "/img/50.jpg	c	refused	refused: 127.0.0.1 is a loopback address; --allow-private allows it$" pv.tsv
  grep -q "::1 is a loopback address" pv.tsv
  grep -q "10.1.2.3 is a private address" pv.tsv
  grep -q "100.64.0.1 is a shared (carrier-grade NAT) address" pv.tsv
  grep -q "169.254.169.254 is a link-local address" pv.tsv
  grep -q "224.0.0.1 is a multicast address" pv.tsv
  grep -q "fc00::1 is a unique-local address" pv.tsv
  grep -q "0.0.0.0 is an unspecified address" pv.tsv
  grep -q "failed: refused  *13" err
  # the same list with --allow-private: the five local URLs are fetched
  scraper --db pv2.db --urls priv.txt --class c --out pv2 --allow-private --connect-timeout 1 --retries 0 -q || true
  test "$(ls pv2/c | wc -l)" -ge 3
  test "$(sqlite3 pv2.db "SELECT count(*) FROM urls WHERE error_kind = \"refused\"")" -eq 0
  # public addresses are not refused: the documentation ranges, never
  # routed, so they fail to connect or time out
  printf "%s\n" "http://192.0.2.1/x.jpg" "http://198.51.100.1/x.jpg" "http://203.0.113.1/x.jpg" \
    "http://[2001:db8::1]/x.jpg" "http://[::ffff:192.0.2.1]/x.jpg" >pub.txt
  expect_exit 1 scraper --db pub.db --urls pub.txt --class c --out pub --connect-timeout 1 --retries 0 -q
  test "$(sqlite3 pub.db "SELECT count(*) FROM urls WHERE error_kind = \"refused\"")" -eq 0
  test "$(sqlite3 pub.db "SELECT count(*) FROM urls WHERE status = \"failed\"")" -eq 5
'

test_expect 'a redirect to a private address is refused; --allow-address allows one address' '
  printf "%s\n" "$b2/redirect/other" "$b2/img/60.jpg" >redir.txt
  expect_exit 1 scraper --db rd.db --urls redir.txt --class c --out rd --allow-address 127.0.0.1 --failed rd.tsv -q
  test "$(ls rd/c | wc -l)" -eq 1
  test "$(sqlite3 rd.db "SELECT status FROM urls WHERE url = \"$b2/img/60.jpg\"")" = done
  grep -q "redirect/other	c	refused	refused: 127.0.0.2 is a loopback address; --allow-private allows it$" rd.tsv
  grep -qx "/redirect/other" requests.log
  expect_exit 2 scraper --urls redir.txt --out rd --allow-address nonsense
'

test_expect 'a proxy from the environment does not bypass the check' '
  echo "$b2/img/61.jpg" >px.txt
  http_proxy=http://proxy.invalid:3128 HTTP_PROXY=http://proxy.invalid:3128 \
    expect_exit 1 scraper --db px.db --urls px.txt --class c --out px --retries 0 -q
  test "$(sqlite3 px.db "SELECT error_kind FROM urls")" = refused
'

test_expect 'a Retry-After over --max-retry-wait fails at once, for --retry-failed' '
  printf "%s\n" "$b2/wait/120" "$b2/retry/1/70" "$b2/wait-date/120" >ra.txt
  # waiting, it would take 60 s (--max-retry-wait) or more: timeout ends it
  # sooner (exit 124), with room for a slow sanitized build
  expect_exit 1 timeout 50 scraper --db ra.db --urls ra.txt --class c --out ra --allow-private --failed ra.tsv -q
  test "$(sqlite3 ra.db "SELECT error_kind || attempts || transient FROM urls WHERE url = \"$b2/wait/120\"")" = http-42911
  grep -q "wait/120	c	http-429	HTTP 429: Retry-After 120 s is over --max-retry-wait 60; --retry-failed tries it later$" ra.tsv
  # the same as an HTTP date
  test "$(sqlite3 ra.db "SELECT attempts FROM urls WHERE url = \"$b2/wait-date/120\"")" -eq 1
  grep -q "wait-date/120	c	http-429	HTTP 429: Retry-After 1[12][0-9] s is over --max-retry-wait 60" ra.tsv
  test "$(sqlite3 ra.db "SELECT status || attempts FROM urls WHERE url = \"$b2/retry/1/70\"")" = done2
  echo "$b2/wait/2" >ra2.txt
  expect_exit 1 scraper --db ra.db --urls ra2.txt --class c --out ra --allow-private --max-retry-wait 1 -q
  test "$(sqlite3 ra.db "SELECT attempts FROM urls WHERE url = \"$b2/wait/2\"")" -eq 1
  start=$(date +%s)
  expect_exit 1 scraper --db ra.db --urls ra2.txt --class c --out ra --allow-private --max-retry-wait 2 --retries 1 --retry-failed -q
  test $(($(date +%s) - start)) -ge 2
  test "$(sqlite3 ra.db "SELECT attempts FROM urls WHERE url = \"$b2/wait/2\"")" -eq 3
  expect_exit 2 scraper --urls ra.txt --out ra --max-retry-wait x
'

test_expect 'a folder that cannot be made fails the URL with a one-line reason' '
  long=$(printf "c%.0s" $(seq 300))
  printf "url,class\n%s,%s\n" "$b2/img/80.jpg" "$long" >long.csv
  expect_exit 1 scraper --db lg.db --urls long.csv --out lg --allow-private --failed lg.tsv -q
  test "$(sqlite3 lg.db "SELECT error_kind || transient FROM urls")" = write1
  test "$(sqlite3 lg.db "SELECT error FROM urls")" = "lg/$long: cannot make the folder: File name too long"
  test "$(wc -l <lg.tsv)" -eq 2
  grep -q "	write	lg/$long: cannot make the folder: File name too long$" lg.tsv
'

test_expect 'a run killed with SIGKILL: the next one adopts the files on disk' '
  for i in $(seq 1000 1299); do echo "$b2/img/$i.jpg"; done >kill.txt
  scraper --db kl.db --urls kill.txt --class c --out kl --parallel 1 --allow-private -q & pid=$!
  # killed once some are committed (at least once a second), not at a
  # guessed moment
  files_in kl/c 20
  for _ in $(seq 600); do
    if [ "$(sqlite3 kl.db "SELECT count(*) FROM urls WHERE status = \"done\"")" -gt 0 ]; then break; fi
    sleep 0.1
  done
  test "$(sqlite3 kl.db "SELECT count(*) FROM urls WHERE status = \"done\"")" -gt 0
  kill -9 $pid; wait $pid || true
  ls kl/c >before.txt
  test "$(wc -l <before.txt)" -gt 0
  test "$(wc -l <before.txt)" -lt 300
  # files the kill left without a row: the re-run must adopt them (the kill
  # may also fall right after a commit, leaving none)
  unrecorded=$(( $(wc -l <before.txt) - $(sqlite3 kl.db "SELECT count(*) FROM images") ))
  from=$(wc -l <requests.log)
  scraper --db kl.db --urls kill.txt --class c --out kl --allow-private -q 2>err
  test "$(ls kl/c | wc -l)" -eq 300
  test "$(sqlite3 kl.db "SELECT count(*) FROM urls WHERE status = \"done\"")" -eq 300
  test -z "$(fetched_again before.txt "$from" kl.db)"
  if [ "$unrecorded" -gt 0 ]; then grep -q "adopted" err; fi
  db check --db kl.db --path kl
'

test_expect 'SIGINT and SIGTERM: the open batch is committed, the run resumes' '
  for sig in INT TERM; do
    rm -rf it it.db
    env --default-signal=INT scraper --db it.db --urls kill.txt --class c --out it --parallel 2 --allow-private -q 2>err & pid=$!
    files_in it/c 20; kill -$sig $pid; rc=0; wait $pid || rc=$?
    test $rc -eq $((128 + $(kill -l $sig)))
    grep -q "interrupted by SIG$sig" err
    ls it/c >before.txt
    n=$(wc -l <before.txt)
    test "$n" -gt 0
    test "$n" -lt 300
    test "$(sqlite3 it.db "SELECT count(*) FROM images")" -eq "$n"
    test "$(sqlite3 it.db "SELECT count(*) FROM urls WHERE status = \"done\"")" -eq "$n"
    db check --db it.db --path it
    from=$(wc -l <requests.log)
    scraper --db it.db --urls kill.txt --class c --out it --allow-private -q 2>err
    grep -q "$((300 - n)) downloaded, 0 failed, $n already done" err
    test -z "$(fetched_again before.txt "$from" it.db)"
  done
'

test_expect 'adoption takes only whole files that hash to their names' '
  for i in 90 91 92 93; do echo "$b2/img/$i.jpg"; done >ad.txt
  scraper --db ad1.db --urls ad.txt --class b --out ad --allow-private -q
  test ! -e ad/.winnow-scraper
  # the journal a killed run leaves, for a catalog that knows nothing yet;
  # each URL also has a line for a file in another class, as when the
  # list changed between runs
  mkdir ad/.winnow-scraper
  for f in $(ls ad/b); do
    u=$(sqlite3 ad1.db "SELECT source_url FROM images WHERE path LIKE \"%/$f\"")
    printf "a/%s\t%s\nb/%s\t%s\n" "$f" "$u" "$f" "$u"
  done >ad/.winnow-scraper/journal-elsewhere-1
  set -- $(ls ad/b)
  head -c 2000 "ad/b/$1" >cut
  cat cut >"ad/b/$1"     # cut short, name kept
  cp "ad/b/$3" "ad/b/$2"                                 # whole, but not its name
  bad="$(sqlite3 ad1.db "SELECT source_url FROM images WHERE path LIKE \"%/$1\" OR path LIKE \"%/$2\"" | sort)"
  from=$(wc -l <requests.log)
  scraper --db ad2.db --urls ad.txt --class b --out ad --allow-private -q 2>err
  grep -q "2 downloaded, 0 failed, 0 already done" err
  grep -q "adopted 2 files" err
  test "$(tail -n +$((from + 1)) requests.log | sort)" = "$(echo "$bad" | sed "s|^$b2||" | sort)"
  test "$(sqlite3 ad2.db "SELECT count(*) FROM urls WHERE status = \"done\"")" -eq 4
  test ! -e ad/.winnow-scraper
  db check --db ad2.db --path ad
'

test_done
