#!/usr/bin/env bash
# kill -9 at random moments during the commands that change files, then a
# re-run to the end, and checks that nothing was lost or left half done:
#   catalog = disk    `db check --path ds` exits 0, no event left `planned`,
#                     no hidden .winnow-tmp file left behind
#   outside intact    no file outside the dataset changed (checksums)
#   copies kept       (dedup) every group either run recorded has a member
#                     left on disk; every file gone has its event;
#                     (label apply) the same files in the same classes as an
#                     uninterrupted run leaves, every decision applied once
#   re-run            exits 0
#   no refetch        (scraper) no URL whose file was complete at the kill
#                     was fetched again by the re-run
# Not a timed test and not part of the suite: it takes minutes. Exit 0
# when every round of every target was clean, 1 otherwise.
#
#   bench/torture.sh [ROUNDS] [TARGETS...]
#     ROUNDS   kills per target (default 20)
#     TARGETS  any of: scraper resize dedup-delete dedup-move label-apply
#              (default: all)
set -uo pipefail
rounds=${1:-20}
shift || true
targets=${*:-scraper resize dedup-delete dedup-move label-apply}
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top" all test-programs >/dev/null || exit 3
PATH="$top/bin:$top/build/tests:$PATH"
export LC_ALL=C
unset WINNOW_DB
tmp=$(mktemp -d --tmpdir="${TMPDIR:-/tmp}")
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cd "$tmp" || exit 3

# pristine DIR: the template every round of a target copies.
make_template() {
  local t=$1
  mkdir -p "tpl/$t/outside"
  for i in 1 2 3; do echo "not part of the dataset $i" >"tpl/$t/outside/keep$i.txt"; done
  case $t in
    resize) mkdir -p "tpl/$t/ds/photos" "tpl/$t/ds/art"
            mkfixtures big "tpl/$t/ds/photos" 7 120 900 700 >/dev/null
            mkfixtures big "tpl/$t/ds/art" 8 120 700 900 >/dev/null ;;
    scraper) mkdir -p "tpl/$t/ds" ;;
    *) mkfixtures dataset "tpl/$t/ds" 5 1000 150 cats dogs >/dev/null
       # exact copies inside each class, so deletes have work to do
       for c in cats dogs; do
         n=0
         for f in "tpl/$t/ds/$c"/img00*.jpg; do
           n=$((n + 1)); [ "$n" -gt 600 ] && break
           for c in 1 2 3; do cp "$f" "${f%.jpg}-copy$c.jpg"; done
         done
       done ;;
  esac
  (cd "tpl/$t" && db init 2>/dev/null && { [ "$t" = scraper ] || db scan -q ds 2>/dev/null; })
  if [ "$t" = label-apply ]; then
    # decisions as a review would leave them: a third deleted, a third
    # moved to the other class, the rest kept
    sqlite3 "tpl/$t/winnow.db" "
      INSERT INTO reviews (image_id, queue, decision, new_class, seq, at_ms)
      SELECT id, 'suspects',
             CASE id % 3 WHEN 0 THEN 'delete' WHEN 1 THEN 'relabel' ELSE 'keep' END,
             CASE WHEN id % 3 = 1 THEN CASE class WHEN 'cats' THEN 'dogs' ELSE 'cats' END END,
             id, 0
      FROM images WHERE status = 'ok' AND path NOT LIKE '%-copy_.jpg'"
  fi
}

# contents DIR: the sorted distinct checksums of the files under DIR.
contents() { find "$1" -type f ! -name '.*' -exec md5sum {} + | cut -d' ' -f1 | sort -u; }

# placed DIR: "class checksum" of every file under DIR, sorted, copies
# included: what a run that moves and deletes must leave as it would.
placed() {
  (cd "$1" && find . -type f ! -name '.*' -exec md5sum {} +) |
    awk '{ split($2, p, "/"); print p[2], $1 }' | sort
}

# command T: the command of target T, run in a round's folder.
command_of() {
  case $1 in
    resize) echo "resize --path ds --in-place --size 320 -q -j 2" ;;
    dedup-delete) echo "dedup --path ds --delete -q" ;;
    dedup-move) echo "dedup --path ds --move-to moved -q" ;;
    label-apply) echo "label apply" ;;
    scraper) echo "scraper --urls urls_cats.txt --class cats --out ds --parallel 16 -q --allow-private" ;;
  esac
}

start_server() {
  httpd --latency-ms 5 --images 400 --log "$tmp/requests.log" >"$tmp/port" 2>"$tmp/httpd.err" &
  server=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  port=$(awk '{print $2}' "$tmp/port")
  for i in $(seq 0 399); do echo "http://127.0.0.1:$port/img/$i.jpg"; done >"tpl/scraper/urls_cats.txt"
}

# keepers_lost D: how many files dedup removed whose chain of keepers
# ("duplicate of KEEPER" in each event's cause) ends at no file on disk.
keepers_lost() {
  python3 - "$1" <<'PY'
import os, re, sqlite3, sys
d = sys.argv[1]
db = sqlite3.connect(os.path.join(d, "winnow.db"))
keeper = {}
for path, cause in db.execute("SELECT path, cause FROM events WHERE action IN ('delete', 'move')"):
    m = re.search(r"duplicate of (.*) \(group ", cause)
    if m:
        keeper[path] = m.group(1)
lost = 0
for path in keeper:
    seen, p = set(), path
    while p in keeper and p not in seen and not os.path.exists(os.path.join(d, p)):
        seen.add(p)
        p = keeper[p]
    lost += not os.path.exists(os.path.join(d, p))
print(lost)
PY
}

# has_state D: whether D's catalog journals (events.state)
has_state() {
  sqlite3 "$1/winnow.db" "SELECT 1 FROM pragma_table_info('events') WHERE name = 'state'" | grep -q 1
}

# round T K DURATION: one kill and re-run; prints the failed checks.
round() {
  local t=$1 k=$2 dur=$3 d="$t.$2" cmd pid wait_s bad=""
  cp -a "tpl/$t" "$d"
  cmd=$(command_of "$t")
  (cd "$d" && contents outside >../"$d.outside" && contents ds >../"$d.before")
  : >"$tmp/requests.log"
  wait_s=$(awk -v d="$dur" -v r="$RANDOM" 'BEGIN { printf "%.3f", d * (0.05 + 0.9 * r / 32767) }')
  (cd "$d" && exec $cmd >/dev/null 2>&1) & pid=$!
  # dedup spends most of its run reading: every other round's kill falls
  # in the part that deletes or moves, from its first change on
  if [ "${t%-*}" = dedup ] && [ $((k % 2)) -eq 0 ]; then
    while kill -0 "$pid" 2>/dev/null && [ -e "$d/$first" ]; do :; done
    wait_s=$(awk -v d="$act" -v r="$RANDOM" 'BEGIN { printf "%.3f", d * r / 32767 }')
  fi
  sleep "$wait_s"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ "$t" = scraper ] && find "$d/ds" -type f ! -name '.*' -printf '%P\n' | sort >"$d.complete"
  cp "$tmp/requests.log" "$d.requests1"
  (cd "$d" && $cmd >/dev/null 2>"../$d.rerun.err") || bad="$bad rerun-failed"
  (cd "$d" && db check --path ds >/dev/null 2>&1) || bad="$bad catalog!=disk"
  if has_state "$d"; then
    [ "$(sqlite3 "$d/winnow.db" "SELECT count(*) FROM events WHERE state = 'planned'")" -eq 0 ] ||
      bad="$bad planned-left"
  fi
  [ -z "$(find "$d" -name '*.winnow-tmp*')" ] || bad="$bad tmp-left"
  (cd "$d" && contents outside) | cmp -s - "$d.outside" || bad="$bad outside-changed"
  case $t in
    dedup-*|label-apply)
      # deletes remove copies and decided images only: what was unique stays
      if [ "$t" = label-apply ]; then
        # the same images in the same classes as an uninterrupted run
        (cd "$d" && placed ds) | cmp -s - "$t.placed" || bad="$bad placement-differs"
        # every kept or relabelled image is still somewhere under ds
        sqlite3 "$d/winnow.db" "SELECT count(*) FROM reviews r JOIN images i ON i.id = r.image_id
          WHERE r.decision IN ('keep', 'relabel') AND i.status <> 'ok'" | grep -qx 0 ||
          bad="$bad kept-image-lost"
        [ "$(sqlite3 "$d/winnow.db" "SELECT count(*) FROM reviews WHERE applied_ms IS NULL")" -eq 0 ] ||
          bad="$bad not-all-applied"
      else
        # every copy gone leads, keeper by keeper, to a file still there
        local lost
        lost=$(keepers_lost "$d")
        [ "$lost" -eq 0 ] || bad="$bad group-lost:$lost"
        # every file gone has its event: the audit trail is whole
        (cd "$d" && find ds -type f ! -name '.*' | sort) >"$d.left"
        sqlite3 "$d/winnow.db" "SELECT path FROM events WHERE action IN ('delete', 'move')
          $(has_state "$d" && echo "AND state = 'done'")" | sort >"$d.events"
        comm -23 <(cd "$d" && find ../tpl/$t/ds -type f ! -name '.*' | sed "s|^../tpl/$t/||" | sort) \
          "$d.left" | comm -23 - "$d.events" | grep -q . && bad="$bad unaudited"
      fi ;;
    scraper)
      # a URL whose file was on disk at the kill is not fetched again
      local refetched
      refetched=$(while read -r f; do
          sqlite3 "$d/winnow.db" "SELECT source_url FROM images WHERE path = 'ds/$f'"
        done <"$d.complete" | sed "s|^http://127.0.0.1:$port||" | sort -u |
        comm -12 - <(tail -n +"$(($(wc -l <"$d.requests1") + 1))" "$tmp/requests.log" |
                     sort -u) | wc -l)
      [ "$refetched" -eq 0 ] || bad="$bad refetched:$refetched"
      [ "$(find "$d/ds" -type f ! -name '.*' | wc -l)" -eq 400 ] || bad="$bad incomplete" ;;
  esac
  echo "$bad"
}

status=0
printf '%-13s %6s %6s  %s\n' target kills clean failures
for t in $targets; do
  make_template "$t"
  [ "$t" = scraper ] && start_server
  # an uninterrupted run sets the window the kills fall in
  cp -a "tpl/$t" "$t.calib"
  # (first: the file dedup removes first, found by a dry run)
  first=
  case $t in dedup-*)
    first=$(cd "$t.calib" && $(command_of "$t") --dry-run --format csv 2>/dev/null |
            awk -F, '$6 == "delete" || $6 == "move" { print $5; exit }') ;;
  esac
  t0=$(date +%s.%N)
  (cd "$t.calib" && exec $(command_of "$t") >/dev/null 2>&1) & pid=$!
  while kill -0 "$pid" 2>/dev/null && [ -e "$t.calib/${first:-none}" ]; do :; done
  t1=$(date +%s.%N)
  wait "$pid"
  dur=$(echo "$(date +%s.%N) - $t0" | bc -l)
  act=$(echo "$(date +%s.%N) - $t1" | bc -l)
  placed "$t.calib/ds" >"$t.placed"
  clean=0
  declare -A why=()
  for k in $(seq "$rounds"); do
    bad=$(round "$t" "$k" "$dur")
    if [ -z "$bad" ]; then
      clean=$((clean + 1))
    else
      for b in $bad; do why[${b%%:*}]=$(( ${why[${b%%:*}]:-0} + 1 )); done
    fi
    [ -n "${KEEP:-}" ] || rm -rf "$t.$k"
  done
  summary=""
  for b in "${!why[@]}"; do summary="$summary $b=${why[$b]}"; done
  unset why
  printf '%-13s %6d %6d  %s   (run %.2f s)\n' "$t" "$rounds" "$clean" "${summary:-none}" "$dur"
  [ "$clean" -eq "$rounds" ] || status=1
  if [ "$t" = scraper ]; then kill $server 2>/dev/null; server=; fi
done
exit "$status"
