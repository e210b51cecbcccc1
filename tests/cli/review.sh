# Shared by the review tests (t0720, t0725), sourced after lib.sh: the
# dataset they review and the review server.
export WINNOW_MODELS="$top/models"
node_dir="$top/tests/node"
shots=${WINNOW_TEST_OUT:-$top/build/test-output}
mkdir -p "$shots"

# review_photos: ds/photo (eight photos, three variants of each) and
# ds/synth (30 synthetic images), one of each moved to the other folder.
review_photos() {
  copy_photos src/photo astronaut.png chelsea.png coffee.png rocket.jpg retina.jpg \
    hubble_deep_field.jpg motorcycle_left.png motorcycle_right.png
  printf "rotate probability=0.7 max_left_rotation=15 max_right_rotation=15\nflip_left_right probability=0.5\n" >v.pipeline
  photos_with_variants src ds v.pipeline 3
  mkfixtures dataset ds 4 30 0 synth
  mv ds/photo/chelsea.png ds/synth/chelsea.png
  mv ds/synth/img0003.jpg ds/photo/img0003.jpg
}

# review_catalog: predictions, a head and dedup's groups for ds (winnow.db).
review_catalog() {
  label predict --path ds -q 2>/dev/null
  label train --path ds >/dev/null
  dedup --path ds -q >/dev/null 2>&1 || true
}

# start_server [ARGS]: label review --path ds ARGS in the background; sets
# url, token, base and port. Started and stopped at the top level, never
# inside a test: a test's output is a pipe the server must not hold open.
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
