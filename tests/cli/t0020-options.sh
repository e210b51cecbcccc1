#!/usr/bin/env bash
# The common options (cli/options.h) in every command that takes them: the
# same checks, messages and exit codes everywhere; each command takes the
# ones it names and no others.
. "$(dirname "$0")/lib.sh"

# The commands, and the subcommands as one word with a space.
all="resize augment dedup scraper db:init db:scan db:stats db:check db:export db:split
  db:report db:merge label:predict label:train label:suspects label:review label:apply
  label:export"
jobs="resize augment dedup scraper db:scan label:predict"
limits="resize augment db:scan label:predict"
quality="resize augment scraper"
db="resize augment dedup scraper db:init db:scan db:stats db:check db:export db:split
  db:report label:predict label:train label:suspects label:review label:apply label:export"

# q WORD: 'WORD', as the messages quote it
q() {
  printf "'%s'" "$1"
}

# usage_error CMD ARG...: CMD ARG... exits 2 and its stderr is the lines
# given on stdin followed by the hint every usage error ends with.
usage_error() {
  local cmd=$1
  shift
  cat >want
  echo "Try '$cmd --help'." >>want
  expect_exit 2 $cmd "$@" 2>err
  diff want err
}

test_expect '-h and --help print the usage on stdout, exit 0' '
  for c in $all; do
    c=${c/:/ }
    $c --help >out 2>err
    test_must_be_empty err
    grep -q "^usage: $c" out
    $c -h >out2
    cmp out out2
  done
'

test_expect '--version: the commands, not the subcommands' '
  for c in resize augment dedup scraper db label; do
    test "$($c --version)" = "$c (winnow) $(db --version | cut -d" " -f3)"
  done
  printf "%s\n" "init: unrecognized option $(q --version)" \
    "db init: see $(q "db init --help")" | usage_error "db init" --version
'

test_expect '-j takes 1 to 1024, in every command that takes it' '
  for c in $jobs; do
    c=${c/:/ }
    echo "$c: -j takes a whole number from 1 to 1024, not $(q 0)" | usage_error "$c" -j 0
    echo "$c: -j takes a whole number from 1 to 1024, not $(q abc)" | usage_error "$c" --jobs abc
    echo "$c: -j takes a whole number from 1 to 1024, not $(q 1025)" | usage_error "$c" --jobs=1025
  done
'

test_expect '--max-bytes and --max-pixels checked alike' '
  for c in $limits scraper; do
    c=${c/:/ }
    echo "$c: --max-bytes takes a size such as 64M, 500k or 1048576, not $(q 1X)" |
      usage_error "$c" --max-bytes 1X
  done
  for c in $limits; do
    c=${c/:/ }
    echo "$c: --max-pixels takes a whole number from 1 to 18446744073709551615, not $(q 0)" |
      usage_error "$c" --max-pixels 0
  done
'

test_expect '--quality takes 1 to 100' '
  for c in $quality; do
    echo "$c: --quality takes a whole number from 1 to 100, not $(q 101)" |
      usage_error "$c" --quality 101
  done
'

test_expect '--db needs a value' '
  for c in $db; do
    p=${c##*:}  # getopt names argv[0]: for a subcommand, its name alone
    c=${c/:/ }
    printf "%s\n" "$p: option $(q --db) requires an argument" \
      "$c: see $(q "$c --help")" | usage_error "$c" --db
  done
'

test_expect 'a command refuses the common options it does not take' '
  for c in dedup scraper db:stats db:merge label:train; do
    expect_exit 2 ${c/:/ } --max-pixels 5
  done
  for c in db:init db:stats db:check db:export db:split db:report db:merge label:train \
      label:suspects label:review label:apply label:export; do
    expect_exit 2 ${c/:/ } -j 2
    expect_exit 2 ${c/:/ } --jobs 2
    if [ "$c" = db:split ]; then continue; fi  # it takes -q: its progress line
    expect_exit 2 ${c/:/ } -q
    expect_exit 2 ${c/:/ } --quiet
  done
  expect_exit 2 db merge --db x.db
  expect_exit 2 dedup --quality 50
'

# glibc names the possibilities of an ambiguous abbreviation in the order
# of the table: the common options keep their places in it.
test_expect 'ambiguous abbreviations list the options in table order' '
  printf "%s\n" "resize: option $(q --q) is ambiguous; possibilities: $(q --quality) $(q --quarantine) $(q --quiet)" \
    "resize: see $(q "resize --help")" | usage_error resize --q
  printf "%s\n" "scraper: option $(q --ma) is ambiguous; possibilities: $(q --max-bytes) $(q --max-retry-wait)" \
    "scraper: see $(q "scraper --help")" | usage_error scraper --ma
'

test_done
