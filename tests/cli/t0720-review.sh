#!/usr/bin/env bash
# label review and label apply: the server's security rules without a
# browser, a session in headless Chromium (keyboard decisions, undo,
# reload), a restart, and applying the decisions twice.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
export WINNOW_MODELS="$top/models"
node_dir="$top/tests/node"
shots=${WINNOW_TEST_OUT:-$top/build/test-output}
mkdir -p "$shots"

skd=/usr/lib/python3/dist-packages/skimage/data
mkdir -p src/photo
for f in astronaut.png chelsea.png coffee.png rocket.jpg retina.jpg hubble_deep_field.jpg \
         motorcycle_left.png motorcycle_right.png; do
  cp "$skd/$f" src/photo/
done
printf "rotate probability=0.7 max_left_rotation=15 max_right_rotation=15\nflip_left_right probability=0.5\n" >v.pipeline
augment --path src --out ds --pipeline v.pipeline --samples 3 -q --db aug.db 2>/dev/null
cp src/photo/* ds/photo/
mkfixtures dataset ds 4 30 0 synth
mv ds/photo/chelsea.png ds/synth/chelsea.png
mv ds/synth/img0003.jpg ds/photo/img0003.jpg
# a name the relabelled image will clash with in its new folder
cp ds/synth/img0004.jpg ds/photo/img0003.jpg.tmp && mv ds/photo/img0003.jpg.tmp ds/photo/keep.jpg
label predict --path ds -q 2>/dev/null
label train --path ds >/dev/null
dedup --path ds -q >/dev/null 2>&1 || true

# Started and stopped at the top level, never inside a test: a test's
# output is a pipe the server must not hold open.
start_server() {
  label review --path ds "$@" >url 2>server.err 9>&- &
  server=$!
  # up to 60 s (a sanitized build is slow), not past the server's death
  for _ in $(seq 600); do
    if [ -s url ] || ! kill -0 "$server" 2>/dev/null; then break; fi
    sleep 0.1
  done
  url=$(cat url)
  token=${url#*token=}
  base=${url%/?token=*}
  port=${base##*:}
}
stop_server() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -f url; }
code() { curl -s -o /dev/null -w "%{http_code}" "$@"; }

start_server --top 20
trap 'stop_server; rm -rf "$scratch"' EXIT

test_expect 'help and usage' '
  label review --help | grep -q "label review --path train --port 8080"
  label apply --help | grep -q "label apply --trash"
  expect_exit 2 label review
  expect_exit 2 label review --path ds --port 70000
  mkdir -p empty/a && db --db empty.db init 2>/dev/null
  expect_exit 2 label review --path empty --db empty.db 2>err
  grep -q "nothing to review" err
'

test_expect 'the address printed is 127.0.0.1 with a long random token' '
  echo "$url" | grep -q "^http://127\.0\.0\.1:[0-9]*/?token=[0-9a-f]\{64\}$"
  grep -q "suspects, " server.err
'

test_expect 'without the token: 403, for everything' '
  test "$(code "$base/")" = 403
  test "$(code "$base/?token=wrong")" = 403
  test "$(code "$base/?token=${token%?}")" = 403
  test "$(code "$base/api/state")" = 403
  test "$(code "$base/api/items?queue=suspects")" = 403
  test "$(code "$base/img/1?size=full")" = 403
  test "$(code -X POST -d "{}" "$base/api/undo")" = 403
  # a POST with the token only in the query is refused: it needs the header
  test "$(code -X POST -d "{}" "$base/api/undo?token=$token")" = 403
  test "$(code "$base/?token=$token")" = 200
  test "$(code -H "X-Token: $token" "$base/api/state")" = 200
'

test_expect 'unknown ids are 404 and nothing in a request names a file' '
  test "$(code "$base/img/999999?token=$token")" = 404
  test "$(code "$base/img/abc?token=$token")" = 404
  test "$(code "$base/img/-1?token=$token")" = 404
  test "$(code --path-as-is "$base/img/../../etc/passwd?token=$token")" = 404
  test "$(code "$base/img/..%2F..%2Fetc%2Fpasswd?token=$token")" = 404
  test "$(code "$base/img/%2Fetc%2Fpasswd?token=$token")" = 404
  test "$(code --path-as-is "$base/../winnow.db?token=$token")" = 404
  test "$(code "$base/winnow.db?token=$token")" = 404
  test "$(code "$base/ds/photo/coffee.png?token=$token")" = 404
  test "$(code -H "X-Token: $token" "$base/api/items?queue=../../x")" = 404
  test "$(code -X POST -H "X-Token: $token" -d "{\"queue\":\"suspects\",\"id\":999999,\"decision\":\"keep\"}" "$base/api/decide")" = 404
  test "$(code -X POST -H "X-Token: $token" -d "{\"queue\":\"suspects\",\"id\":1,\"decision\":\"relabel\",\"class\":\"../x\"}" "$base/api/decide")" != 200
  head -c 5000 /dev/zero | tr "\0" a >big
  test "$(code -X POST -H "X-Token: $token" --data-binary @big "$base/api/decide")" = 413
  test "$(code -X PUT -H "X-Token: $token" "$base/api/state")" = 405
'

test_expect 'the server listens on 127.0.0.1 only' '
  ss -ltn | grep ":$port " >listen
  test "$(wc -l <listen)" -eq 1
  grep -q "127.0.0.1:$port " listen
  for a in $(ip -4 -o addr show | awk "{print \$4}" | cut -d/ -f1 | grep -v "^127\."); do
    test_must_fail curl -s --max-time 2 -o /dev/null "http://$a:$port/?token=$token"
  done
'

test_expect 'in Chromium: five decisions by keyboard, an undo, a reload keeps them' '
  node "$node_dir/review-browser.js" "$url" "$shots/review.png" >seen.json
  test -s "$shots/review.png"
  python3 -c "
import json
s = json.load(open(\"seen.json\"))
assert s[\"errors\"] == [], s[\"errors\"]
assert s[\"firstCardMs\"] < 1000, s[\"firstCardMs\"]
assert sum(s[\"afterFive\"].values()) == 5, s
assert s[\"afterFive\"] == {\"keep\": 2, \"delete\": 1, \"relabel\": 1, \"skip\": 1}, s
assert sum(s[\"afterUndo\"].values()) == 4, s
assert s[\"afterReload\"] == s[\"afterUndo\"], s
assert s[\"resumed\"][\"id\"] == s[\"decided\"][4] and s[\"resumed\"][\"decision\"] == \"\", s
"
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews WHERE applied_ms IS NULL")" -eq 4
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews r JOIN images i ON i.id = r.image_id WHERE r.decision = \"relabel\" AND r.new_class != i.class")" -eq 1
'

stop_server
start_server --top 20

test_expect 'decisions survive a server restart' '
  curl -s -H "X-Token: $token" "$base/api/state" >state.json
  python3 -c "
import json
s = json.load(open(\"state.json\"))
assert s[\"counts\"] == {\"keep\": 1, \"delete\": 1, \"relabel\": 1, \"skip\": 1}, s
"
'

test_expect 'the relabelled and deleted images: by id, decided through the API' '
  # decide the two flipped images by hand: relabel chelsea to photo, and
  # img0003 (synthetic, in photo) to synth, where a keep.jpg lookalike waits
  chelsea=$(sqlite3 winnow.db "SELECT id FROM images WHERE path = \"ds/synth/chelsea.png\"")
  img3=$(sqlite3 winnow.db "SELECT id FROM images WHERE path = \"ds/photo/img0003.jpg\"")
  for q in suspects conflicts; do
    curl -s -o /dev/null -X POST -H "X-Token: $token" -d "{\"queue\":\"$q\",\"id\":$chelsea,\"decision\":\"relabel\",\"class\":\"photo\"}" "$base/api/decide"
    curl -s -o /dev/null -X POST -H "X-Token: $token" -d "{\"queue\":\"$q\",\"id\":$img3,\"decision\":\"relabel\",\"class\":\"synth\"}" "$base/api/decide"
  done
  test "$(sqlite3 winnow.db "SELECT new_class FROM reviews WHERE image_id = $chelsea")" = photo
  test "$(sqlite3 winnow.db "SELECT new_class FROM reviews WHERE image_id = $img3")" = synth
'

test_expect 'near-duplicate groups: another keeper, or split' '
  curl -s -H "X-Token: $token" "$base/api/items?queue=groups&from=0&n=1" >g.json
  python3 -c "
import json
g = json.load(open(\"g.json\"))[\"items\"][0]
m = g[\"members\"]
assert len(m) >= 2 and m[0][\"keeper\"] and not m[1][\"keeper\"], g
print(g[\"group\"], m[1][\"id\"], \" \".join(str(x[\"id\"]) for x in m))
" >g.txt
  read -r grp keeper members <g.txt
  test "$(code -X POST -H "X-Token: $token" -d "{\"group\":$grp,\"action\":\"keeper\",\"id\":$keeper}" "$base/api/group")" = 200
  for id in $members; do
    want=delete; [ "$id" = "$keeper" ] && want=keep
    test "$(sqlite3 winnow.db "SELECT decision FROM reviews WHERE image_id = $id")" = $want
  done
  # one undo takes back the whole group decision
  test "$(code -X POST -H "X-Token: $token" -d "{}" "$base/api/undo")" = 200
  for id in $members; do
    test -z "$(sqlite3 winnow.db "SELECT decision FROM reviews WHERE image_id = $id")"
  done
  test "$(code -X POST -H "X-Token: $token" -d "{\"group\":$grp,\"action\":\"keeper\",\"id\":999999}" "$base/api/group")" = 400
  test "$(code -X POST -H "X-Token: $token" -d "{\"group\":$grp,\"action\":\"split\"}" "$base/api/group")" = 200
  for id in $members; do
    test "$(sqlite3 winnow.db "SELECT decision FROM reviews WHERE image_id = $id")" = keep
  done
'

stop_server

test_expect 'apply: --dry-run changes nothing; then moves, deletes, once' '
  find ds -type f | sort >before
  label apply --dry-run >plan 2>err
  find ds -type f | sort >after
  cmp before after
  grep -q "^relabel	ds/synth/chelsea.png	ds/photo/chelsea.png$" plan
  grep -q "nothing changed" err
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews WHERE applied_ms IS NULL")" -gt 0
  deleted=$(sqlite3 winnow.db "SELECT i.path FROM reviews r JOIN images i ON i.id = r.image_id WHERE r.decision = \"delete\"")
  label apply --trash trash >done 2>err
  test -e ds/photo/chelsea.png && test ! -e ds/synth/chelsea.png
  test -e ds/synth/img0003.jpg && test ! -e ds/photo/img0003.jpg
  for p in $deleted; do test ! -e "$p" && test -e "trash/$p"; done
  test "$(sqlite3 winnow.db "SELECT class FROM images WHERE path = \"ds/photo/chelsea.png\"")" = photo
  test "$(sqlite3 winnow.db "SELECT count(*) FROM events WHERE action = \"relabel\"")" -ge 2
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews WHERE applied_ms IS NULL")" -eq 0
  # twice: nothing
  find ds trash -type f | sort >before
  label apply >again 2>err
  test ! -s again
  grep -q "^label apply: 0 decisions" err
  find ds trash -type f | sort >after
  cmp before after
'

test_expect 'apply never overwrites: a name clash gets a new name' '
  mkdir -p clash/a clash/b
  cp "$skd/coffee.png" clash/a/x.png
  cp "$skd/rocket.jpg" clash/b/x.png
  db scan -q clash --db clash.db
  id=$(sqlite3 clash.db "SELECT id FROM images WHERE path = \"clash/a/x.png\"")
  sqlite3 clash.db "INSERT INTO reviews (image_id, queue, decision, new_class, seq, at_ms) VALUES ($id, \"suspects\", \"relabel\", \"b\", 1, 0)"
  # a deleted image keeps its row and its name: that name is taken too
  sqlite3 clash.db "INSERT INTO images (path, class, size, mtime_ns, status, added_ms, updated_ms) VALUES (\"clash/b/x-1.png\", \"b\", 1, 1, \"deleted\", 0, 0)"
  label apply --db clash.db >done 2>err
  cmp clash/b/x.png "$skd/rocket.jpg"
  test ! -e clash/b/x-1.png
  cmp clash/b/x-2.png "$skd/coffee.png"
  test "$(sqlite3 clash.db "SELECT path FROM images WHERE id = $id")" = clash/b/x-2.png
'

test_expect 'the trash never points back into the dataset (a catalog in a subfolder)' '
  mkdir -p sub/a meta trash2
  cp "$skd/coffee.png" sub/a/y.png
  db --db meta/w.db scan -q sub
  id=$(sqlite3 meta/w.db "SELECT id FROM images WHERE path = \"../sub/a/y.png\"")
  test -n "$id"
  sqlite3 meta/w.db "INSERT INTO reviews (image_id, queue, decision, seq, at_ms) VALUES ($id, \"suspects\", \"delete\", 1, 0)"
  label apply --db meta/w.db --trash trash2 >done 2>err
  test ! -e sub/a/y.png && test ! -e sub/a/y-1.png
  cmp trash2/sub/a/y.png "$skd/coffee.png"
'

test_done
