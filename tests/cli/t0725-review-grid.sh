#!/usr/bin/env bash
# label review by the page (#20) and its issues queue (#19): --queue, the
# issues queue's items, POST /api/bulk (one decision on a selection, one
# action, one undo) without a browser, then the grid and the issues queue
# in headless Chromium.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/review.sh"

review_photos
# planted issues: a dark photo, a flat field, a grey one stored as RGB
/usr/bin/python3 - <<'PY'
import numpy as np
from PIL import Image
c = np.asarray(Image.open("src/photo/coffee.png").convert("RGB"), dtype=np.float64)
Image.fromarray((c * 0.1).astype(np.uint8)).save("ds/photo/dark.jpg", quality=92)
Image.new("RGB", (400, 300), (90, 120, 160)).save("ds/synth/flat.png")
Image.open("src/photo/rocket.jpg").convert("L").convert("RGB").save("ds/photo/grey.jpg", quality=92)
PY
review_catalog
db scan -q ds 2>/dev/null

post() { curl -s -o reply -w "%{http_code}" -X POST -H "X-Token: $token" -d "$2" "$base$1"; }
pending() { sqlite3 winnow.db "SELECT count(*) FROM reviews"; }

test_expect '--queue in the help; a queue that is none is refused' '
  label review --help >help
  grep -q -- "--queue Q" help
  grep -q "suspects, conflicts, groups or issues" help
  expect_exit 2 timeout 60 label review --path ds --queue nosuch 2>err
  grep -q "queue.*nosuch" err
  expect_exit 2 timeout 60 label review --path ds --queue 2>err
'

start_server --top 20 --queue issues
trap 'stop_server; rm -rf "$scratch"' EXIT

test_expect 'the issues queue: the images db issues lists, worst first' '
  grep -q "[1-9][0-9]* images with issues" server.err
  db issues --path ds --format csv >issues.csv
  curl -s -H "X-Token: $token" "$base/api/items?queue=issues&from=0&n=500" >items.json
  python3 -c "
import csv, json
listed = {}
for r in csv.DictReader(open(\"issues.csv\")):
    listed.setdefault(r[\"path\"], set()).add(r[\"issue\"])
items = json.load(open(\"items.json\"))[\"items\"]
shown = {i[\"path\"]: set(x[\"issue\"] for x in i[\"issues\"]) for i in items}
assert shown == listed, (shown, listed)
assert \"dark\" in shown[\"ds/photo/dark.jpg\"], shown
assert \"low_information\" in shown[\"ds/synth/flat.png\"], shown
assert \"grayscale\" in shown[\"ds/photo/grey.jpg\"], shown
scores = [i[\"score\"] for i in items]
assert scores == sorted(scores), scores
for i in items:
    assert i[\"score\"] == min(x[\"score\"] for x in i[\"issues\"]), i
    assert i[\"given\"] == i[\"path\"].split(\"/\")[1], i
"
'

test_expect '--queue issues: the page opens on the issues queue' '
  curl -s -H "X-Token: $token" "$base/api/state" >state.json
  python3 -c "
import json
s = json.load(open(\"state.json\"))
assert s[\"resume\"] == {\"queue\": \"issues\", \"index\": 0}, s
assert [q[\"name\"] for q in s[\"queues\"]] == [\"suspects\", \"conflicts\", \"groups\", \"issues\"], s
"
'

test_expect 'an issue is kept, deleted or relabelled as a suspect is' '
  id=$(python3 -c "import json; print(json.load(open(\"items.json\"))[\"items\"][0][\"id\"])")
  test "$(post /api/decide "{\"queue\":\"issues\",\"id\":$id,\"decision\":\"relabel\",\"class\":\"synth\"}")" = 200
  test "$(sqlite3 winnow.db "SELECT queue, decision FROM reviews WHERE image_id = $id")" = "issues|relabel"
  test "$(post /api/undo "{}")" = 200
  test "$(pending)" -eq 0
'

# the suspects' ids, and one shown only in the issues queue
curl -s -H "X-Token: $token" "$base/api/items?queue=suspects&from=0&n=500" >suspects.json
python3 -c "
import json
s = [i['id'] for i in json.load(open('suspects.json'))['items']]
o = [i['id'] for i in json.load(open('items.json'))['items'] if i['id'] not in s]
print(','.join(map(str, s[:3])), o[0])
" >ids.txt
read -r three other <ids.txt

test_expect 'a bulk decision that names no queue, image, class or decision is refused' '
  test "$(post /api/bulk "{\"queue\":\"nosuch\",\"ids\":[$three],\"decision\":\"keep\"}")" = 404
  test "$(post /api/bulk "{\"queue\":\"groups\",\"ids\":[$three],\"decision\":\"keep\"}")" = 400
  test "$(post /api/bulk "{\"queue\":\"suspects\",\"ids\":[$three,999999],\"decision\":\"keep\"}")" = 404
  test "$(post /api/bulk "{\"queue\":\"suspects\",\"ids\":[$three,$other],\"decision\":\"keep\"}")" = 404
  test "$(post /api/bulk "{\"queue\":\"suspects\",\"ids\":[$three,\"1\"],\"decision\":\"keep\"}")" = 404
  test "$(post /api/bulk "{\"queue\":\"suspects\",\"ids\":[],\"decision\":\"keep\"}")" = 400
  test "$(post /api/bulk "{\"queue\":\"suspects\",\"ids\":[$three],\"decision\":\"maybe\"}")" = 400
  test "$(post /api/bulk "{\"queue\":\"suspects\",\"ids\":[$three],\"decision\":\"relabel\",\"class\":\"../x\"}")" = 400
  many=$(python3 -c "print(\",\".join([\"$other\"] * 201))")
  test "$(post /api/bulk "{\"queue\":\"issues\",\"ids\":[$many],\"decision\":\"keep\"}")" = 400
  test "$(pending)" -eq 0
'

test_expect 'a bulk relabel is one action: one number, one undo, and label apply plans it' '
  test "$(post /api/bulk "{\"queue\":\"suspects\",\"ids\":[$three],\"decision\":\"relabel\",\"class\":\"synth\"}")" = 200
  grep -q "\"ok\": *true" reply
  test "$(sqlite3 winnow.db "SELECT count(DISTINCT seq) FROM reviews")" -eq 1
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews WHERE queue = \"suspects\" AND ((decision = \"relabel\" AND new_class = \"synth\") OR decision = \"keep\")")" -eq 3
  own=$(sqlite3 winnow.db "SELECT count(*) FROM reviews r JOIN images i ON i.id = r.image_id WHERE i.class = \"synth\"")
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews WHERE decision = \"keep\"")" -eq "$own"
  label apply --dry-run >plan 2>err
  test "$(grep -c "^relabel	" plan)" -eq $((3 - own))
  test "$(post /api/undo "{}")" = 200
  test "$(pending)" -eq 0
'

test_expect 'a bulk delete that would leave a duplicate group no copy is refused whole' '
  curl -s -H "X-Token: $token" "$base/api/items?queue=groups&from=0&n=500" >groups.json
  python3 -c "
import json
issues = {i[\"id\"] for i in json.load(open(\"items.json\"))[\"items\"]}
groups = [[m[\"id\"] for m in g[\"members\"]] for g in json.load(open(\"groups.json\"))[\"items\"]]
g = [g for g in groups if set(g) <= issues][0]
print(\",\".join(map(str, g)), \",\".join(map(str, g[1:])))
" >group.txt
  read -r all but_one <group.txt
  test "$(post /api/bulk "{\"queue\":\"issues\",\"ids\":[$all],\"decision\":\"delete\"}")" = 409
  grep -q "every copy of a duplicate group" reply
  test "$(pending)" -eq 0
  test "$(post /api/bulk "{\"queue\":\"issues\",\"ids\":[$but_one],\"decision\":\"delete\"}")" = 200
  test "$(sqlite3 winnow.db "SELECT count(*) FROM reviews WHERE decision = \"delete\" AND queue = \"issues\"")" -eq "$(echo "$but_one" | tr , "\n" | wc -l)"
  test "$(post /api/undo "{}")" = 200
  test "$(pending)" -eq 0
'

test_expect 'in Chromium: the issues queue, and the grid: select, relabel, delete, undo' '
  node "$node_dir/review-grid.js" "$url" winnow.db "$shots/review-grid.png" >seen.json
  test -s "$shots/review-grid.png"
  python3 - <<-EOF
	import collections, json
	s = json.load(open("seen.json"))
	assert s["errors"] == [], s["errors"]
	# opened on the issues queue, the card naming the issues
	o = s["opened"]
	assert o["queue"] == "issues" and o["issues"], o
	assert "Issues" in o["text"] and o["issues"].split(",")[0] in o["text"], o
	assert [(r["id"], r["queue"], r["decision"]) for r in s["afterIssueDelete"]] == [(o["id"], "issues", "delete")], s
	assert s["afterIssueUndo"] == [], s
	# the grid: the suspects, one page
	g = s["grid"]
	assert g["queue"] == "suspects" and len(g["ids"]) == 20, g
	ids, sel = g["ids"], s["sel"]
	assert sel["click0"] == [ids[0]], sel
	assert sel["shift3"] == ids[0:4], sel
	assert sel["unclick1"] == [ids[0], ids[2], ids[3]], sel
	assert sel["escape"] == [], sel
	# from tile 1 (the last clicked): two right, Space, one row down, Space
	assert sel["keys"] == [ids[3], ids[9]] and sel["keysCur"] == 9, sel
	assert sel["all"] == ids and sel["none"] == [], sel
	# the relabel: the first key is the class most of the five are predicted to be
	assert s["relabelIds"] == ids[0:5], s
	byid = {i["id"]: i for i in s["items"]}
	votes = collections.Counter(byid[i]["predicted"] for i in ids[0:5] if byid[i]["predicted"] != byid[i]["given"])
	top = max(votes.values())
	assert s["firstKey"]["key"] == "1" and votes[s["firstKey"]["cls"]] == top, (s["firstKey"], votes)
	assert "suggested" in s["firstKey"]["text"], s["firstKey"]
	rows = s["afterRelabel"]
	assert sorted(r["id"] for r in rows) == sorted(ids[0:5]), rows
	assert len({r["seq"] for r in rows}) == 1, rows
	for r in rows:
	    want = "keep" if byid[r["id"]]["given"] == s["firstKey"]["cls"] else "relabel"
	    assert r["decision"] == want and r["queue"] == "suspects", (r, want)
	    assert r["cls"] == (s["firstKey"]["cls"] if want == "relabel" else ""), r
	assert s["afterRelabelUndo"] == [], s
	# the delete: three picked by a click and keys, one action
	assert s["deleteIds"] == ids[5:8], s
	rows = s["afterDelete"]
	assert sorted(r["id"] for r in rows) == sorted(ids[5:8]), rows
	assert {r["decision"] for r in rows} == {"delete"} and len({r["seq"] for r in rows}) == 1, rows
	assert s["afterDeleteUndo"] == [], s
	# back to the cards, at the grid cursor (the last tile picked)
	assert s["back"]["queue"] == "suspects" and s["back"]["id"] == ids[7], s["back"]
	EOF
'

stop_server
test_done
