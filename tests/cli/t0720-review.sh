#!/usr/bin/env bash
# label review and label apply: the server's security rules without a
# browser, a session in headless Chromium (keyboard decisions, undo,
# reload), a restart, and applying the decisions twice.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/review.sh"

review_photos
# a name the relabelled image will clash with in its new folder
cp ds/synth/img0004.jpg ds/photo/img0003.jpg.tmp && mv ds/photo/img0003.jpg.tmp ds/photo/keep.jpg
review_catalog

code() { curl -s -o /dev/null -w "%{http_code}" "$@"; }

start_server --top 20
trap 'stop_server; rm -rf "$scratch"' EXIT

test_expect 'help and usage' '
  label review --help | grep -q "label review --path train --port 8080"
  label apply --help | grep -q "label apply --trash"
  expect_exit 2 label review
  expect_exit 2 label review --path ds --port 70000
  mkdir -p empty/a
  db --db empty.db init 2>/dev/null
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
  test "$(code "$base/cam/1.png")" = 403
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
  test "$(code "$base/cam/999999.png?token=$token")" = 404
  curl -s "$base/cam/999999.png?token=$token" | grep -q "no such image in this session"
  test "$(code "$base/cam/..%2F1.png?token=$token")" = 404
  curl -s "$base/cam/..%2F1.png?token=$token" | grep -q "no such image in this session"
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
assert sum(s[\"afterFive\"].values()) == 5, s
assert s[\"afterFive\"] == {\"keep\": 2, \"delete\": 1, \"relabel\": 1, \"skip\": 1}, s
assert sum(s[\"afterUndo\"].values()) == 4, s
assert s[\"afterReload\"] == s[\"afterUndo\"], s
assert s[\"resumed\"][\"id\"] == s[\"decided\"][4] and s[\"resumed\"][\"decision\"] == \"\", s
h = s[\"heat\"]
assert h[\"id\"] == s[\"resumed\"][\"id\"] and h[\"path\"] == \"/cam/%s.png\" % h[\"id\"], s
assert 0 < h[\"width\"] <= 420 and 0 < h[\"height\"] <= 420, s
assert s[\"afterHeat\"] == s[\"afterReload\"], s
"
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews WHERE applied_ms IS NULL")" -eq 4
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews r JOIN images i ON i.id = r.image_id WHERE r.decision = \"relabel\" AND r.new_class != i.class")" -eq 1
'

test_expect 'in Chromium: h and H show the predicted and the folder class'"'"'s maps, as label cam draws them' '
  python3 -c "
import json
s = json.load(open(\"seen.json\"))
h, f, a = s[\"heat\"], s[\"folderHeat\"], s[\"heatAgain\"]
assert h[\"role\"] == \"predicted\" and h[\"cls\"] == h[\"predicted\"].split(\" (\")[0], h
assert f[\"role\"] == \"folder\" and f[\"cls\"] == f[\"given\"] and f[\"id\"] == h[\"id\"], f
assert a[\"role\"] == \"predicted\" and a[\"cls\"] == h[\"cls\"], a
print(h[\"id\"], h[\"cls\"], f[\"cls\"])
" >heat.txt
  read -r id predicted given <heat.txt
  path=$(sqlite3 winnow.db "SELECT path FROM images WHERE id = $id")
  label cam --size 420 --path "$path" --out camref >camref.rows 2>/dev/null
  test "$(wc -l <camref.rows)" -eq 2
  # the page asks for each class by name; the server draws it as label cam does
  for png in camref/*.png; do
    cls=${png##*/}
    cls=${cls%.png}
    cls=${cls##*.}
    curl -s -o got.png "$base/cam/$id.png?class=$cls&token=$token"
    cmp got.png "$png"
  done
  grep -q "	folder	$given	" camref.rows
  test "$(code "$base/cam/$id.png?class=$predicted&token=$token")" = 200
  test "$(code "$base/cam/$id.png?class=nosuch&token=$token")" = 404
  curl -s "$base/cam/$id.png?class=nosuch&token=$token" | grep -q "the head has no class .nosuch."
'

# what dedup recorded: path, kind (the group's on the keeper's row), rank
sqlite3 -separator "	" winnow.db "SELECT i.path, g.match, g.rank FROM dup_groups g JOIN images i ON i.id = g.image_id" >recorded.tsv

test_expect 'in Chromium: each group card shows its kind as dedup found it' '
  python3 -c "
import json
s = json.load(open(\"seen.json\"))
rec = {}
for line in open(\"recorded.tsv\"):
    path, match, rank = line.rstrip(\"\n\").split(\"\t\")
    rec[path] = match
assert s[\"groups\"], s
kinds = set()
for g in s[\"groups\"]:
    kind = rec[g[\"keeper\"]]
    kinds.add(kind)
    assert g[\"match\"] == kind, (g, kind)
    assert g[\"head\"].startswith(kind + \" match\"), (g, kind)
    for c in g[\"copies\"]:
        assert c[\"tag\"] == rec[c[\"path\"]], (g, c)
# a mirrored or rotated group among them: a page that says near for all fails
assert kinds - {\"near\"}, kinds
print(sorted(kinds))
"
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
    want=delete
    if [ "$id" = "$keeper" ]; then want=keep; fi
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

test_expect 'a group keeps a copy: deleting its keeper is refused (409)' '
  curl -s -H "X-Token: $token" "$base/api/items?queue=groups&from=0&n=1" >g.json
  python3 -c "
import json
g = json.load(open(\"g.json\"))[\"items\"][0]
print(g[\"group\"], g[\"members\"][0][\"id\"])
" >g.txt
  read -r grp keeper <g.txt
  test "$(code -X POST -H "X-Token: $token" -d "{\"group\":$grp,\"action\":\"keeper\",\"id\":$keeper}" "$base/api/group")" = 200
  curl -s -o reply -w "%{http_code}" -X POST -H "X-Token: $token" -d "{\"queue\":\"groups\",\"id\":$keeper,\"decision\":\"delete\"}" "$base/api/decide" >status
  test "$(cat status)" = 409
  grep -q "last copy" reply
  test "$(sqlite3 winnow.db "SELECT decision FROM reviews WHERE image_id = $keeper")" = keep
  # from another queue too
  test "$(code -X POST -H "X-Token: $token" -d "{\"queue\":\"suspects\",\"id\":$keeper,\"decision\":\"delete\"}" "$base/api/decide")" = 409
  # back to the split the test before left
  test "$(code -X POST -H "X-Token: $token" -d "{}" "$base/api/undo")" = 200
  test "$(sqlite3 winnow.db "SELECT decision FROM reviews WHERE image_id = $keeper")" = keep
'

# split_members: the paths of the members of the split that stands, one a line
split_members() {
  sqlite3 winnow.db "SELECT i.path FROM reviews r JOIN images i ON i.id = r.image_id
    WHERE r.queue = 'groups' AND r.decision = 'keep' AND r.seq IN (SELECT seq FROM reviews
    WHERE queue = 'groups' AND decision = 'keep' GROUP BY seq HAVING count(*) > 1)"
}

# groups_of FILE CSV: the dedup groups (CSV) the paths in FILE are in, one a line
groups_of() {
  awk -F, 'NR == FNR { want[$0] = 1; next } ($5 in want) { print $1 }' "$1" "$2" | sort -u
}

test_expect 'a split group is never grouped again by dedup, until the split is undone' '
  split_members >apart.txt
  test "$(wc -l <apart.txt)" -ge 2
  dedup --path ds --format csv -q >split.csv 2>/dev/null || true
  groups_of apart.txt split.csv >in.txt
  # each member in a group of its own, or in none
  test "$(wc -l <in.txt)" -le "$(wc -l <apart.txt)"
  for grp in $(cat in.txt); do
    test "$(awk -F, -v g="$grp" "\$1 == g" split.csv | grep -cFf apart.txt)" -eq 1
  done
  test "$(code -X POST -H "X-Token: $token" -d "{}" "$base/api/undo")" = 200
  dedup --path ds --format csv -q >joined.csv 2>/dev/null || true
  test "$(groups_of apart.txt joined.csv | wc -l)" -lt "$(wc -l <apart.txt)"
  # the split again, for the tests after
  curl -s -H "X-Token: $token" "$base/api/items?queue=groups&from=0&n=1" >g.json
  python3 -c "import json; print(json.load(open(\"g.json\"))[\"items\"][0][\"group\"])" >g.txt
  test "$(code -X POST -H "X-Token: $token" -d "{\"group\":$(cat g.txt),\"action\":\"split\"}" "$base/api/group")" = 200
  split_members | sort >again.txt
  sort apart.txt | diff - again.txt
'

test_expect 'a file replaced by a symlink or changed since the scan is not served' '
  curl -s -H "X-Token: $token" "$base/api/items?queue=suspects&from=0&n=1" >i.json
  python3 -c "
import json
i = json.load(open(\"i.json\"))[\"items\"][0]
print(i[\"id\"], i[\"path\"])
" >i.txt
  read -r id path <i.txt
  test "$(code "$base/img/$id?size=full&token=$token")" = 200
  mv "$path" held
  ln -s /etc/passwd "$path"
  test "$(code "$base/img/$id?size=full&token=$token")" = 410
  curl -s "$base/img/$id?size=full&token=$token" >got
  expect_exit 1 grep -q "root:" got
  test "$(code "$base/img/$id?token=$token")" = 410
  rm "$path"
  cp held "$path"
  printf x >>"$path"
  test "$(code "$base/img/$id?size=full&token=$token")" = 409
  rm "$path"
  mv held "$path"
  test "$(code "$base/img/$id?size=full&token=$token")" = 200
  # a folder on the way swapped for a symlink
  dir=${path%/*}
  mv "$dir" "$dir.held"
  mkdir -p elsewhere
  cp -a "$dir.held/." elsewhere/
  ln -s "$PWD/elsewhere" "$dir"
  test "$(code "$base/img/$id?size=full&token=$token")" = 410
  rm "$dir"
  mv "$dir.held" "$dir"
  test "$(code "$base/img/$id?size=full&token=$token")" = 200
'

test_expect 'Host must be this server, and a POST from another origin is refused' '
  test "$(code -H "Host: evil.example:$port" "$base/?token=$token")" = 403
  test "$(code -H "Host: 127.0.0.1:1" "$base/?token=$token")" = 403
  test "$(code -H "Host: localhost:$port" "$base/?token=$token")" = 200
  test "$(code -H "Host: [::1]:$port" "$base/?token=$token")" = 200
  test "$(code -H "X-Token: $token" -H "Host: rebind.example:$port" "$base/api/state")" = 403
  # a POST that reaches its handler answers 400 here (no such decision)
  bad="{\"queue\":\"suspects\",\"id\":1,\"decision\":\"nosuch\"}"
  test "$(code -X POST -H "X-Token: $token" -H "Origin: http://evil.example" -d "$bad" "$base/api/decide")" = 403
  test "$(code -X POST -H "X-Token: $token" -H "Origin: null" -d "$bad" "$base/api/decide")" = 403
  test "$(code -X POST -H "X-Token: $token" -H "Origin: http://127.0.0.1:$port" -d "$bad" "$base/api/decide")" = 400
  test "$(code -X POST -H "X-Token: $token" -H "Origin: http://localhost:$port" -d "$bad" "$base/api/decide")" = 400
  test "$(code -X POST -H "X-Token: $token" -d "$bad" "$base/api/decide")" = 400
'

test_expect 'idle half-sent requests do not stop it answering' '
  python3 - "$port" "$base/api/state" "$token" <<-EOF
	import socket, subprocess, sys, time
	port, url, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	idle = []
	for _ in range(200):
	    s = socket.create_connection(("127.0.0.1", port))
	    s.sendall(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n")
	    idle.append(s)
	t = time.time()
	r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
	                    "-H", "X-Token: " + token, url], capture_output=True, text=True)
	took = time.time() - t
	assert r.stdout == "200", (r.stdout, took)
	assert took < 10, (r.stdout, took)
	for s in idle:
	    s.close()
	EOF
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
  test -e ds/photo/chelsea.png
  test ! -e ds/synth/chelsea.png
  test -e ds/synth/img0003.jpg
  test ! -e ds/photo/img0003.jpg
  for p in $deleted; do
    test ! -e "$p"
    test -e "trash/$p"
  done
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
  label apply --db meta/w.db --path sub --trash trash2 >done 2>err
  test ! -e sub/a/y.png
  test ! -e sub/a/y-1.png
  cmp trash2/sub/a/y.png "$skd/coffee.png"
'

# A catalog row is input like any other (db merge imports shards' rows):
# label apply must act inside the dataset only, on decisions it knows.
# plant DB PATH FILE CLASS: an images row for PATH with FILE's stamp
plant() {
  sqlite3 "$1" "INSERT INTO images (path, class, size, mtime_ns, status, added_ms, updated_ms) VALUES ('$2', '$4', $(stat -c %s "$3"), $(python3 -c 'import os, sys; print(os.stat(sys.argv[1]).st_mtime_ns)' "$3"), 'ok', 0, 0)"
  sqlite3 "$1" "SELECT id FROM images WHERE path = '$2'"
}
# decide DB ID DECISION [CLASS]
decide() {
  local c=NULL
  [ $# -lt 4 ] || c="'$4'"
  sqlite3 "$1" "INSERT OR REPLACE INTO reviews (image_id, queue, decision, new_class, seq, at_ms) VALUES ($2, 'suspects', '$3', $c, (SELECT coalesce(max(seq), 0) + 1 FROM reviews), 0)"
}
hostile() {
  rm -rf host
  mkdir -p host/ds/a host/ds/b
  cp "$skd/coffee.png" host/ds/a/x.png
  cp "$skd/rocket.jpg" host/ds/a/y.png
  cp "$skd/astronaut.png" host/ds/b/z.png
  db --db host/h.db scan -q host/ds
}

test_expect 'apply: a relabel cannot leave the dataset or invent a folder' '
  hostile
  x=$(sqlite3 host/h.db "SELECT id FROM images WHERE path = \"ds/a/x.png\"")
  for bad in ../../esc ../esc .. . "" a/b /tmp/abs nosuch; do
    decide host/h.db $x relabel "$bad"
    expect_exit 1 label apply --db host/h.db >out 2>err
    test -e host/ds/a/x.png
    grep -q "ds/a/x.png: .*left alone" err
    test ! -e esc
    test ! -e host/esc
    test ! -e host/ds/esc
    test ! -e host/ds/nosuch
  done
  test ! -e /tmp/abs/x.png
  test "$(sqlite3 host/h.db "SELECT count(*) FROM events")" -eq 0
  # to its own class: kept where it is
  decide host/h.db $x relabel a
  label apply --db host/h.db >out 2>err
  test -e host/ds/a/x.png
  test ! -e host/ds/a/x-1.png
  grep -q " 1 kept or skipped" err
'

test_expect 'apply: a row outside the dataset is never deleted or moved' '
  hostile
  echo victim >victim.txt
  v=$(plant host/h.db ../victim.txt victim.txt a)
  decide host/h.db $v delete
  expect_exit 1 label apply --db host/h.db 2>err
  test -e victim.txt
  grep -q "victim.txt: .*left alone" err
  expect_exit 1 label apply --db host/h.db --trash trash-h 2>err
  test -e victim.txt
  test ! -e trash-h/victim.txt
  # a row inside, but reached through "..": refused too
  v2=$(plant host/h.db ds/a/../../../victim.txt victim.txt a)
  decide host/h.db $v2 delete
  expect_exit 1 label apply --db host/h.db 2>err
  test -e victim.txt
'

test_expect 'apply: a symlink on the way is never followed, in the dataset or the trash' '
  hostile
  y=$(sqlite3 host/h.db "SELECT id FROM images WHERE path = \"ds/a/y.png\"")
  decide host/h.db $y delete
  # the class folder swapped for a link to a lookalike elsewhere
  mkdir -p away
  mv host/ds/a/* away/
  rmdir host/ds/a
  ln -s "$PWD/away" host/ds/a
  expect_exit 1 label apply --db host/h.db 2>err
  test -e away/y.png
  grep -q "ds/a/y.png: .*symbolic link" err
  rm host/ds/a
  mkdir host/ds/a
  mv away/* host/ds/a/
  # the trash: a folder in it that is a link out
  mkdir -p trash-l elsewhere2
  ln -s "$PWD/elsewhere2" trash-l/ds
  expect_exit 1 label apply --db host/h.db --trash trash-l 2>err
  test -e host/ds/a/y.png
  test ! -e elsewhere2/a/y.png
  label apply --db host/h.db --trash trash-m 2>err
  test ! -e host/ds/a/y.png
  cmp trash-m/ds/a/y.png "$skd/rocket.jpg"
'

test_expect 'apply: a decision it does not know is refused, not carried out' '
  hostile
  x=$(sqlite3 host/h.db "SELECT id FROM images WHERE path = \"ds/a/x.png\"")
  decide host/h.db $x keep
  sqlite3 host/h.db "PRAGMA ignore_check_constraints = 1; UPDATE reviews SET decision = \"undecided\" WHERE image_id = $x"
  expect_exit 1 label apply --db host/h.db >out 2>err
  test -e host/ds/a/x.png
  grep -q "ds/a/x.png: an unknown decision in the catalog; left alone" err
  test -z "$(sqlite3 host/h.db "SELECT applied_ms FROM reviews WHERE image_id = $x")"
'

test_expect 'apply: the last copy of a duplicate group is never deleted' '
  rm -rf dup
  mkdir -p dup/a
  cp "$skd/coffee.png" dup/a/c1.png
  cp "$skd/coffee.png" dup/a/c2.png
  cp "$skd/coffee.png" dup/a/c3.png
  cp "$skd/rocket.jpg" dup/a/r.jpg
  dedup --db dup.db --path dup -q >/dev/null 2>&1
  test "$(sqlite3 dup.db "SELECT count(*) FROM dup_groups")" -eq 3
  for f in c1 c2 c3; do
    decide dup.db "$(sqlite3 dup.db "SELECT id FROM images WHERE path = \"dup/a/$f.png\"")" delete
  done
  expect_exit 1 label apply --db dup.db >out 2>err
  test "$(ls dup/a/c?.png | wc -l)" -eq 1
  grep -q "the last copy of its duplicate group; left alone" err
  # a copy the catalog thinks is there, but is not, is no copy
  rm -rf dup dup.db
  mkdir -p dup/a
  cp "$skd/coffee.png" dup/a/c1.png
  cp "$skd/coffee.png" dup/a/c2.png
  dedup --db dup.db --path dup -q >/dev/null 2>&1
  decide dup.db "$(sqlite3 dup.db "SELECT id FROM images WHERE path = \"dup/a/c1.png\"")" delete
  rm dup/a/c2.png
  expect_exit 1 label apply --db dup.db 2>err
  test -e dup/a/c1.png
'

test_expect 'apply: relabel moves the first folder below the root, not a deeper namesake' '
  rm -rf nest
  mkdir -p nest/cats/cats nest/dogs
  cp "$skd/coffee.png" nest/cats/cats/deep.png
  cp "$skd/rocket.jpg" nest/dogs/d.jpg
  db --db nest.db scan -q nest
  test "$(sqlite3 nest.db "SELECT class FROM images WHERE path = \"nest/cats/cats/deep.png\"")" = cats
  decide nest.db "$(sqlite3 nest.db "SELECT id FROM images WHERE path = \"nest/cats/cats/deep.png\"")" relabel dogs
  label apply --db nest.db >out 2>err
  cmp nest/dogs/cats/deep.png "$skd/coffee.png"
  test ! -e nest/cats/dogs
  test "$(sqlite3 nest.db "SELECT path, class FROM images WHERE class = \"dogs\" ORDER BY path")" = "nest/dogs/cats/deep.png|dogs
nest/dogs/d.jpg|dogs"
'

test_expect 'apply: a catalog beside its dataset needs --path to reach it' '
  rm -rf sub2 meta2
  mkdir -p sub2/a meta2
  cp "$skd/coffee.png" sub2/a/y.png
  db --db meta2/w.db scan -q sub2
  decide meta2/w.db "$(sqlite3 meta2/w.db "SELECT id FROM images WHERE path = \"../sub2/a/y.png\"")" delete
  expect_exit 1 label apply --db meta2/w.db 2>err
  test -e sub2/a/y.png
  grep -q "outside the dataset" err
  label apply --db meta2/w.db --path sub2 2>err
  test ! -e sub2/a/y.png
'

# a dataset whose class folder's name is not UTF-8, with a near-duplicate
# group to review
mkdir -p u/plain "u/$(printf "\377")"
resize --path src --out small --size 200 -q --db small.db 2>/dev/null
cp src/photo/coffee.png u/plain/coffee.png
cp small/photo/coffee.jpg u/plain/coffee-small.jpg
cp src/photo/rocket.jpg "u/$(printf "\377")/r.jpg"
dedup --db u.db --path u -q >/dev/null 2>&1 || true
# a second group (as a later dedup run could record) sharing coffee.png
sqlite3 u.db "INSERT INTO dup_groups (run_id, grp, image_id, match, rank) SELECT 999, 1, id, 'near', path NOT LIKE '%r.jpg' FROM images WHERE path LIKE '%r.jpg' OR path = 'u/plain/coffee.png'"
start_server --path u --db u.db

test_expect 'a group decision that empties another group is refused (409)' '
  curl -s -H "X-Token: $token" "$base/api/items?queue=groups&from=0&n=2" >g.json
  python3 -c "
import json
gs = json.load(open(\"g.json\"))[\"items\"]
ids = {m[\"path\"].split(\"/\")[-1]: (g[\"group\"], m[\"id\"]) for g in gs for m in g[\"members\"]}
a = [g[\"group\"] for g in gs if any(m[\"path\"].endswith(\"small.jpg\") for m in g[\"members\"])][0]
b = [g[\"group\"] for g in gs if any(m[\"path\"].endswith(\"r.jpg\") for m in g[\"members\"])][0]
print(a, ids[\"coffee.png\"][1], b, ids[\"r.jpg\"][1])
" >ids.txt
  read -r ga coffee gb r <ids.txt
  # group a keeps coffee.png: its near copy goes
  test "$(code -X POST -H "X-Token: $token" -d "{\"group\":$ga,\"action\":\"keeper\",\"id\":$coffee}" "$base/api/group")" = 200
  # group b keeping r.jpg would delete coffee.png, group a\x27s last copy
  curl -s -o reply -w "%{http_code}" -X POST -H "X-Token: $token" -d "{\"group\":$gb,\"action\":\"keeper\",\"id\":$r}" "$base/api/group" >status
  test "$(cat status)" = 409
  grep -q "last copy of another group" reply
  test "$(sqlite3 u.db "SELECT decision FROM reviews WHERE image_id = $coffee")" = keep
  test "$(sqlite3 u.db "SELECT count(*) FROM reviews WHERE image_id = $r")" -eq 0
  test "$(code -X POST -H "X-Token: $token" -d "{}" "$base/api/undo")" = 200
  test "$(sqlite3 u.db "SELECT count(*) FROM reviews")" -eq 0
'

test_expect 'a class named by a byte that is not UTF-8 is relabelled to by its bytes' '
  curl -s -H "X-Token: $token" "$base/api/state" >state.json
  curl -s -H "X-Token: $token" "$base/api/items?queue=groups&from=0&n=1" >g.json
  python3 -c "
import json
s = json.load(open(\"state.json\"))
assert s[\"class_hex\"] == [\"706c61696e\", \"ff\"] or s[\"class_hex\"] == [\"ff\", \"706c61696e\"], s
m = [x for x in json.load(open(\"g.json\"))[\"items\"][0][\"members\"] if x[\"path\"].endswith(\"coffee-small.jpg\")]
print(m[0][\"id\"])
" >id.txt
  id=$(cat id.txt)
  test "$(code -X POST -H "X-Token: $token" -d "{\"queue\":\"groups\",\"id\":$id,\"decision\":\"relabel\",\"class_hex\":\"ff\"}" "$base/api/decide")" = 200
  test "$(sqlite3 u.db "SELECT hex(new_class) FROM reviews WHERE image_id = $id")" = FF
  # its display name (U+FFFD) names no class
  test "$(code -X POST -H "X-Token: $token" -d "{\"queue\":\"groups\",\"id\":$id,\"decision\":\"relabel\",\"class\":\"\\ufffd\"}" "$base/api/decide")" = 400
  test "$(sqlite3 u.db "SELECT hex(new_class) FROM reviews WHERE image_id = $id")" = FF
  curl -s -H "X-Token: $token" "$base/api/items?queue=groups&from=0&n=1" >g2.json
  grep -q "\"class_hex\": *\"ff\"" g2.json
'

stop_server

test_expect 'apply: the relabel lands in the folder named by those bytes' '
  label apply --db u.db >out 2>err
  cmp "u/$(printf "\377")/coffee-small.jpg" small/photo/coffee.jpg
  test ! -e "u/$(printf "\357\277\275")"
  test "$(sqlite3 u.db "SELECT hex(class) FROM images WHERE path LIKE \"%coffee-small.jpg\"")" = FF
'

test_done
