#!/usr/bin/env bash
# make install and make uninstall into a staging folder (DESTDIR): the
# commands under test (BIN), manuals, models and bash completion where
# they belong, the installed label finding its models beside itself, and
# uninstall taking back exactly that. Then the completion script: what it
# offers, and its option lists against every command's --help.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
unset WINNOW_MODELS
stage=$scratch/stage
prefix=/usr/local
inst=$stage$prefix
commands="augment db dedup label resize scraper"

# imake TARGET [VAR=...]: make in the source tree as someone installing
# runs it: without the outer `make test`'s flags and command-line
# variables (SANITIZE=..., TESTS=..., -j and its jobserver), installing
# the commands under test
imake() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
    make --no-print-directory -C "$top" DESTDIR="$stage" PREFIX="$prefix" BIN="$WINNOW_BIN" "$@"
}

mkfixtures dataset ds 3 6 0 a b

test_expect 'install builds nothing, even when the build looks stale' '
  ls -l --time-style=full-iso "$WINNOW_BIN" >before
  # -W: cli/cli.c counts as just changed; CC=false: a compile would fail
  imake install -W cli/cli.c CC=false >out 2>err
  ls -l --time-style=full-iso "$WINNOW_BIN" >after
  cmp before after
'

test_expect 'the commands, manuals, models and completion are where they belong' '
  for c in $commands; do
    test -x "$inst/bin/$c"
    cmp "$WINNOW_BIN/$c" "$inst/bin/$c"
    test "$(stat -c %a "$inst/bin/$c")" = 755
    cmp "$top/man/$c.1" "$inst/share/man/man1/$c.1"
    test "$(stat -c %a "$inst/share/man/man1/$c.1")" = 644
    cmp "$top/completion/winnow.bash" "$inst/share/bash-completion/completions/$c"
  done
  for m in mobilenet_v2 inception_v3; do
    for f in "$top/models/$m"/*; do
      cmp "$f" "$inst/share/winnow/models/$m/${f##*/}"
    done
  done
  test_path_is_file "$inst/share/winnow/models/mobilenet_v2/model.json"
'

test_expect 'the installed label finds its models beside itself' '
  "$inst/bin/label" predict --path ds --db p.db --format csv -q >probs.csv
  test "$(tail -n +2 probs.csv | wc -l)" -eq 12
  test "$(sqlite3 p.db "SELECT count(*) FROM predictions WHERE model = \"mobilenet_v2\"")" -eq 12
  # moved away from share/winnow/models it does not, and says where it looked
  mkdir -p elsewhere/bin
  cp "$inst/bin/label" elsewhere/bin/
  expect_exit 3 elsewhere/bin/label predict --path ds --db q.db 2>err
  grep -q "elsewhere/bin/../models/mobilenet_v2, .*/elsewhere/bin/../share/winnow/models/mobilenet_v2, /usr/share/winnow/models/mobilenet_v2)" err
'

test_expect 'uninstall removes what install made and nothing else' '
  echo other >"$inst/bin/other"
  echo other >"$inst/share/bash-completion/completions/other"
  imake uninstall >out
  test_path_is_file "$inst/bin/other"
  test_path_is_file "$inst/share/bash-completion/completions/other"
  rm "$inst/bin/other" "$inst/share/bash-completion/completions/other"
  find "$stage" ! -type d >left
  test_must_be_empty left
  test_path_is_missing "$inst/share/winnow"
'

test_expect 'a model that is not there is one line, and the rest installs' '
  imake install MODELS="mobilenet_v2 nosuch" >out 2>err
  test "$(grep -c "nosuch" out)" -eq 1
  grep -q "^install: models/nosuch is missing (.make model. makes it)" out
  test_path_is_file "$inst/share/winnow/models/mobilenet_v2/model.json"
  test -x "$inst/bin/label"
  imake uninstall MODELS="mobilenet_v2 nosuch" >out
  find "$stage" ! -type d >left
  test_must_be_empty left
'

test_expect 'uninstall leaves a model file it did not install, and says so' '
  imake install MODELS=mobilenet_v2 >/dev/null
  echo other >"$inst/share/winnow/models/mobilenet_v2/group99-shard1of1.bin"
  imake uninstall MODELS=mobilenet_v2 >out
  test_path_is_file "$inst/share/winnow/models/mobilenet_v2/group99-shard1of1.bin"
  test_path_is_missing "$inst/share/winnow/models/mobilenet_v2/model.json"
  grep -q "mobilenet_v2 holds other files; left" out
  rm -r "$stage"
'

test_expect 'install without the commands built says so and fails' '
  test_must_fail imake install BIN="$scratch/nobin" DESTDIR="$scratch/stage2" >out 2>err
  grep -q "^install: $scratch/nobin/augment is missing; run make first" out
  test_path_is_missing "$scratch/stage2"
'

# comp WORDS...: what the completion offers for the last word, one a line,
# as bash (not this test's shell, under set -e) would ask it
comp() {
  bash --norc --noprofile -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
    _winnow; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' comp "$top/completion/winnow.bash" "$@"
}

test_expect 'completion: options, subcommands, values and paths' '
  # sourced under any command'"'"'s name (the lazy loader), it serves all six
  for c in $commands; do
    bash --norc -c ". \"\$1\"; complete -p $c" x "$top/completion/winnow.bash" >reg
    grep -qx "complete -F _winnow $c" reg
  done
  test "$(comp resize --ge)" = --geometry
  test "$(comp db "" | tr "\n" " ")" = "init scan stats check export split issues report merge "
  test "$(comp db --db = x.db "" | wc -l)" -eq 9
  test "$(comp label "" | tr "\n" " ")" = "predict train suspects review apply export cam "
  test "$(comp dedup --format "" | tr "\n" " ")" = "text csv jsonl "
  test "$(comp dedup --format = cs)" = csv
  test "$(comp resize --format "" | tr "\n" " ")" = "jpg png webp keep "
  test "$(comp dedup --keep "" | tr "\n" " ")" = "pixels oldest newest first "
  test "$(comp dedup --match "" | tr "\n" " ")" = "exact near mirror rotate crop "
  test "$(comp label predict --model "" | tr "\n" " ")" = "mobilenet_v2 inception_v3 "
  test "$(comp db stats --f)" = --format
  test "$(comp label apply --dry-run --t)" = --trash
  comp resize --size "" >none
  test_must_be_empty none
  mkdir -p dir/sub
  : >dir/file
  test "$(comp resize --path dir/ | tr "\n" " ")" = "dir/sub "
  test "$(comp augment --pipeline dir/ | sort | tr "\n" " ")" = "dir/file dir/sub "
  # label cam takes images after --path, the others a folder
  test "$(comp label cam --path dir/ | sort | tr "\n" " ")" = "dir/file dir/sub "
  test "$(comp label train --path dir/ | tr "\n" " ")" = "dir/sub "
'

# helpopts CMD...: the long options `CMD --help` lists (its usage line and
# option lines, not prose or examples), --help and --version aside
helpopts() {
  "$@" --help | awk '
    /^usage:/ { print; next }
    /^  (-[A-Za-z0-9], )?--[a-z]/ { sub(/^  /, ""); sub(/  .*/, ""); print }' |
    grep -oE -- "--[a-z][a-z0-9-]*" | grep -vxE -- "--(help|version)" | sort -u
}
# helpflags CMD...: the options --help shows without a value, one a line
helpflags() {
  "$@" --help | awk '
    /^usage:|^  (-[A-Za-z0-9], )?--[a-z]/ {
      if ($0 !~ /^usage:/) { sub(/^  /, ""); sub(/  .*/, "") }
      while (match($0, /--[a-z][a-z0-9-]*/)) {
        opt = substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH)
        if ($0 !~ /^(\]? |=)[A-Za-z]/) print opt
      }
    }' | sort -u
}
# check_lists CMD...: the completion offers what --help lists, no more, no
# less, with --help (and --version without a subcommand); and what --help
# shows without a value, the completion knows as taking none
check_lists() {
  helpopts "$@" >want
  comp "$@" -- >got
  grep -qx -- --help got
  if [ $# -eq 1 ]; then grep -qx -- --version got; fi
  grep -vxE -- "--(help|version)" got | sort >got.sorted
  diff -u want got.sorted
  helpflags "$@" >flags
  flaglist=$(bash --norc -c ". \"\$1\"; echo \$_winnow_flags" x "$top/completion/winnow.bash")
  while read -r f; do
    case " $flaglist " in *" $f "*) ;; *) echo "$* $f: takes no value, not in _winnow_flags"; return 1 ;; esac
  done <flags
  comm -23 want flags >valued
  while read -r f; do
    case " $flaglist " in *" $f "*) echo "$* $f: takes a value, in _winnow_flags"; return 1 ;; esac
  done <valued
}

test_expect 'completion: each command'"'"'s options are what its --help lists' '
  for c in $commands; do
    check_lists "$c"
  done
  for s in $(comp db ""); do
    check_lists db "$s"
  done
  for s in $(comp label ""); do
    check_lists label "$s"
  done
'

test_done
