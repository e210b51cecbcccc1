#!/usr/bin/env bash
# tools/layers.py, the check `make layers` runs: each kind of breach it
# exists for is made once in a small tree of its own and must be named.
. "$(dirname "$0")/lib.sh"
layers=$(cd "$(dirname "$test_script")/../.." && pwd)/tools/layers.py

# tree: a git checkout with base, img and hash subsystems, a command and
# a subcommand of another (label's train, as tools/layers.py allows);
# build/ holds the objects the calls are read from.
make_tree() {
  rm -rf tree
  mkdir -p tree/lib/base tree/lib/img tree/lib/hash tree/resize tree/label tree/build
  (
    cd tree
    git init -q .
    printf '#include "base/err.h"\nint base_f(void) { return 1; }\n' >lib/base/err.c
    printf 'int base_f(void);\n' >lib/base/err.h
    printf '#include "base/err.h"\n' >lib/base/base.h
    printf '#include "base/base.h"\nint img_f(void) { return base_f(); }\n' >lib/img/image.c
    printf 'int img_f(void);\n' >lib/img/image.h
    printf '#include "img/image.h"\n' >lib/img/img.h
    printf '#include "img/img.h"\nint hash_f(void) { return img_f(); }\n' >lib/hash/dhash.c
    printf 'int hash_f(void);\n' >lib/hash/hash.h
    printf '#include "hash/hash.h"\nint main(void) { return hash_f(); }\n' >resize/main.c
    printf 'int label_g(void);\n' >label/label.h
    printf 'int label_g(void) { return 0; }\n' >label/train.c
  )
}

# check: compiles every .c of the tree and runs the check on it
check() {
  (
    cd tree
    git add -A
    for c in $(git ls-files '*.c'); do
      mkdir -p "build/$(dirname "$c")"
      cc -c -Ilib -I. -o "build/${c%.c}.o" "$c"
    done
    python3 "$layers" build "$@"
  )
}

test_expect 'a tree that keeps the rules passes' '
  make_tree
  check "resize=resize/main.c" >out
  grep -q "every include and call points down" out
'

# breach FILE TEXT [FILE TEXT]...: a fresh tree with each TEXT (a printf
# format) added at the end of its FILE
breach() {
  make_tree
  while [ $# -gt 0 ]; do
    printf "$2" >>"tree/$1"
    shift 2
  done
}

# check_fails PATTERN [ARGS]: the check (given ARGS) fails and names PATTERN
check_fails() {
  local pattern=$1
  shift
  test_must_fail check "$@" >out
  grep -q "$pattern" out
}

test_expect 'a lower layer including a higher one fails, named' '
  breach lib/img/image.c "#include \"hash/hash.h\"\n"
  check_fails "^lib/img/image.c: includes hash/hash.h: img may not use hash"
'

test_expect 'a lower layer calling a higher one fails, with no include to show it' '
  breach lib/img/up.c "int hash_f(void);\nint img_g(void) { return hash_f(); }\n"
  check_fails "^lib/img/up.c: calls hash_f of lib/hash/dhash.c: img may not use hash"
'

test_expect 'another subsystem'"'"'s inner header fails: its public header is the way in' '
  breach lib/img/image.c "#include \"base/err.h\"\n"
  check_fails "^lib/img/image.c: includes base/err.h: outside base, include base/base.h"
'

test_expect 'files that call each other in a circle fail, with the calls' '
  breach lib/img/a.c "int img_h(void);\nint img_k(void) { return img_h(); }\n" \
    lib/img/b.c "int img_k(void);\nint img_h(void) { return img_k(); }\n"
  check_fails "files that call each other in a circle: lib/img/a.c -> lib/img/b.c (img_h), lib/img/b.c -> lib/img/a.c (img_k)"
'

test_expect 'a command using or linking another command'"'"'s sources fails' '
  breach resize/main.c "#include \"label/label.h\"\n"
  check_fails "^resize/main.c: includes label/label.h: resize may not use label" \
    "resize=resize/main.c label/train.c"
  grep -q "^label/train.c: linked into resize" out
'

test_expect 'a command folder'"'"'s file that is neither main.c nor a subcommand fails' '
  breach resize/scale.c "int resize_s(void) { return 0; }\n" \
    label/train.h "int label_t(void);\n"
  check_fails "^resize/scale.c: not main.c or a subcommand"
  grep -q "^label/train.h: not main.c or a subcommand" out
'

test_expect 'a folder of more than 20 .c files fails' '
  make_tree
  for i in $(seq 1 21); do printf "int img_n$i(void) { return $i; }\n" >tree/lib/img/n$i.c; done
  check_fails "^lib/img/: 22 .c files, more than 20"
  # anywhere in the tree, tests too
  make_tree
  mkdir -p tree/tests/unit
  for i in $(seq 1 21); do printf "int t$i(void) { return $i; }\n" >tree/tests/unit/t$i.c; done
  check_fails "^tests/unit/: 21 .c files, more than 20"
'

test_done
