#!/usr/bin/env bash
# scraper against aria2c and curl on the same URLs in one run: N URLs of
# distinct pictures served by tests/httpd on 127.0.0.1 with added latency,
# the same concurrency for every tool. Prints images/s, wall-time ratios,
# and client CPU time (user + system) against curl --parallel, which only
# downloads. Medians of ROUNDS.
#
#   bench/scraper.sh [URLS] [PARALLEL] [LATENCY_MS] [ROUNDS]
#                    (defaults 5000, 128, 20, 3)
set -euo pipefail
n=${1:-5000}
par=${2:-128}
lat=${3:-20}
rounds=${4:-3}
. "$(dirname "$0")/lib.sh"
make -s -C "$top" all test-programs >/dev/null
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
"$top/build/tests/httpd" --latency-ms "$lat" --images "$n" >"$tmp/port" 2>/dev/null & server=$!
for _ in $(seq 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(awk '{print $2}' "$tmp/port")
for i in $(seq 0 $((n - 1))); do echo "http://127.0.0.1:$port/img/$i.jpg"; done >"$tmp/urls.txt"
awk -v d="$tmp/c" '{printf "url = \"%s\"\noutput = \"%s/%d.jpg\"\n", $0, d, NR}' "$tmp/urls.txt" >"$tmp/curl.cfg"

# measure NAME CMD...: appends "wall cpu" for one run of CMD
measure() {
  local name=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc -l) $(awk '{print $1 + $2}' "$tmp/cpu")" >>"$tmp/$name"
}
# Every run writes into a fresh folder and nothing is deleted until the
# end: ext4 makes the next creations slower after mass deletes, which
# would penalise whichever tool ran first. The order rotates by round.
run_winnow() {
  measure winnow "$top/bin/scraper" --db "$tmp/w$1.db" --urls "$tmp/urls.txt" --class c \
    --out "$tmp/w$1" --parallel "$par" --per-host "$par" --allow-private -q
}
run_aria2c() {
  mkdir -p "$tmp/a$1"
  measure aria2c aria2c -q -i "$tmp/urls.txt" -d "$tmp/a$1" -j "$par" -x 1 \
    --max-connection-per-server=1 --auto-file-renaming=false --allow-overwrite=true
}
run_curl() {
  mkdir -p "$tmp/c$1"
  sed "s|$tmp/c/|$tmp/c$1/|" "$tmp/curl.cfg" >"$tmp/curl$1.cfg"
  measure curl curl -s --parallel --parallel-max "$par" -K "$tmp/curl$1.cfg"
}
for r in $(seq "$rounds"); do
  case $((r % 3)) in
    1) run_winnow "$r"; run_aria2c "$r"; run_curl "$r" ;;
    2) run_aria2c "$r"; run_curl "$r"; run_winnow "$r" ;;
    0) run_curl "$r"; run_winnow "$r"; run_aria2c "$r" ;;
  esac
done
col() { cut -d' ' -f"$2" "$tmp/$1" | median; }
w=$(col winnow 1); a=$(col aria2c 1); c=$(col curl 1)
wc_=$(col winnow 2); ac=$(col aria2c 2); cc=$(col curl 2)
got=$(ls "$tmp/w1/c" | wc -l)
# And with --resize 320: every body decoded, resized and re-encoded.
for r in $(seq "$rounds"); do
  measure resize "$top/bin/scraper" --db "$tmp/r$r.db" --urls "$tmp/urls.txt" --class c \
    --out "$tmp/r$r" --parallel "$par" --per-host "$par" --resize 320 --allow-private -q
done
rz=$(col resize 1); rzc=$(col resize 2)
echo "scraper benchmark: $n URLs, $par in flight, ${lat} ms latency per request, $rounds rounds"
echo "winnow $(git -C "$top" rev-parse --short HEAD); $(aria2c --version | head -1); $(curl --version | head -1 | cut -d' ' -f1-2)"
printf '%-28s %9s %9s %10s\n' tool seconds images/s "cpu s"
printf '%-28s %9.2f %9.0f %10.2f\n' "winnow scraper" "$w" "$(ratio "$n" "$w")" "$wc_"
printf '%-28s %9.2f %9.0f %10.2f\n' "aria2c -j $par" "$a" "$(ratio "$n" "$a")" "$ac"
printf '%-28s %9.2f %9.0f %10.2f\n' "curl --parallel-max $par" "$c" "$(ratio "$n" "$c")" "$cc"
printf '%-28s %9.2f %9.0f %10.2f\n' "winnow scraper --resize 320" "$rz" "$(ratio "$n" "$rz")" "$rzc"
printf 'winnow: %.2fx aria2c images/s; CPU %.2fx curl (downloads only) and %.2fx aria2c; %d images kept\n' \
  "$(ratio "$a" "$w")" "$(ratio "$wc_" "$cc")" "$(ratio "$wc_" "$ac")" "$got"
