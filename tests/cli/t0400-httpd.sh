#!/usr/bin/env bash
# The test web server the scraper is tested against: each fault mode, seen
# through curl, and loopback only.
. "$(dirname "$0")/lib.sh"

start_httpd
base=http://127.0.0.1:$port
get() {  # get PATH: "code bytes type"
  curl -s -o body -w "%{http_code} %{size_download} %{content_type}" --max-time 60 "$base/$1" || true
}

test_expect 'pictures are JPEG and PNG, each number a different picture' '
  test "$(get img/1.jpg | cut -d" " -f1,3)" = "200 image/jpeg"
  head -c 3 body | od -An -tx1 | grep -q "ff d8 ff"
  cp body one.jpg
  test "$(get img/2.jpg | cut -d" " -f1)" = 200
  expect_exit 1 cmp -s body one.jpg
  test "$(get img/2.png | cut -d" " -f3)" = image/png
'

test_expect 'status codes, 429 with Retry-After, then success' '
  test "$(get status/404 | cut -d" " -f1)" = 404
  test "$(get status/503 | cut -d" " -f1)" = 503
  curl -s -D hdr -o /dev/null "$base/retry/2/77"
  grep -qi "^Retry-After: 1" hdr
  test "$(get retry/2/77 | cut -d" " -f1)" = 429
  test "$(get retry/2/77 | cut -d" " -f1)" = 200
  test "$(get flaky/1/78 | cut -d" " -f1)" = 503
  test "$(get flaky/1/78 | cut -d" " -f1)" = 200
'

test_expect 'broken bodies: truncated, HTML as JPEG, empty, reset, oversized' '
  rc=0; curl -s -o /dev/null "$base/truncated.jpg" || rc=$?
  test "$rc" -eq 18
  test "$(get html.jpg | cut -d" " -f1,3)" = "200 image/jpeg"
  grep -q "<!DOCTYPE html>" body
  test "$(get empty.jpg | cut -d" " -f2)" = 0
  rc=0; curl -s -o /dev/null "$base/reset" || rc=$?
  test "$rc" -eq 52
  curl -sI "$base/huge.jpg" | grep -qi "^Content-Length: 104857600"
  test "$(curl -sI "$base/noai.jpg" | grep -ci "^X-Robots-Tag: noai")" -eq 1
'

test_expect 'redirects: same host, another host, file:, ftp:, loops, chains' '
  test "$(curl -s -L -o /dev/null -w "%{http_code} %{url_effective}" "$base/redirect/ok")" = "200 $base/img/1.jpg"
  test "$(curl -s -L -o /dev/null -w "%{http_code} %{url_effective}" "$base/redirect/other")" = "200 http://127.0.0.2:$port/img/2.jpg"
  curl -s -D hdr -o /dev/null "$base/redirect/file"; grep -qi "^Location: file:///etc/passwd" hdr
  curl -s -D hdr -o /dev/null "$base/redirect/ftp"; grep -qi "^Location: ftp://" hdr
  rc=0; curl -s -L --max-redirs 5 -o /dev/null "$base/redirect/loop" || rc=$?
  test "$rc" -eq 47
  test "$(curl -s -L -o /dev/null -w "%{num_redirects}" "$base/redirect/chain/3")" = 3
'

test_expect 'slow drip: one byte every 200 ms' '
  rc=0; curl -s -o /dev/null --max-time 1 "$base/drip.jpg" || rc=$?
  test "$rc" -eq 28
'

test_expect 'listens on loopback only' '
  ss -ltn | grep ":$port " >listen
  test_grep_not -vE "127\\.0\\.0\\.[12]:$port" listen
'

test_done
