#!/usr/bin/env python3
"""Checks that winnow's layers point down only (`make layers`, run by CI).

    tools/layers.py BUILD CMD=SRC... [CMD=SRC...]

From the source text and the compiled objects under BUILD:
  - a file in lib/S/ includes headers of S itself, or the one public header
    (T/T.h) of a subsystem T that S may use (USES below, taken
    transitively); cli/ and the commands include public headers only;
  - a command's folder includes nothing of another command's folder, and
    its binary is built from its own folder, cli/ and the library only
    (each CMD=SRC lists a binary's sources, from the Makefile);
  - the calls between object files (nm: a symbol one file uses and another
    defines) follow the same rule, and no files call each other in a
    circle;
  - a command's folder holds its main.c and its subcommands only
    (SUBCOMMANDS below): what commands share is cli/, the rest is lib/;
  - no folder of the tree (tests and benches too) holds more than 20 .c
    files.
Prints one line per breach, "file: what" and exits 1 if there is any.
"""
import os
import re
import subprocess
import sys

# What each subsystem may use directly; what those use is allowed too.
USES = {
    'base': [],
    'img': ['base'],
    'hash': ['img'],
    'quality': ['img'],
    'aug': ['img'],
    'nn': ['img'],
    'catalog': ['hash', 'quality'],
    'learn': ['nn', 'catalog'],
    'net': ['catalog'],
    'derive': ['catalog', 'aug'],
    'feat': ['img'],
    'dupes': ['catalog', 'feat'],
}
COMMANDS = ['augment', 'db', 'dedup', 'label', 'resize', 'scraper']
# The files a command's folder may hold besides main.c: its subcommands
# and the header they share with main.c. Other commands: main.c only.
SUBCOMMANDS = {
    'db': ['cmd_check.c', 'cmd_export.c', 'cmd_init.c', 'cmd_issues.c', 'cmd_merge.c',
           'cmd_report.c',
           'cmd_scan.c', 'cmd_split.c', 'cmd_stats.c', 'cmds.h'],
    'label': ['apply.c', 'cam.c', 'export.c', 'predict.c', 'review.c', 'review_decide.c', 'review_http.c',
              'review_images.c', 'review_queues.c', 'review_reply.c', 'review_session.c',
              'review_state.c', 'review_text.c',
              'suspects.c', 'train.c', 'label.h', 'review.h'],
}
MAX_C_FILES = 20


def closure(s):
    seen, pending = set(), list(USES[s])
    while pending:
        t = pending.pop()
        if t not in seen:
            seen.add(t)
            pending.extend(USES[t])
    return seen


ALLOWED = {s: closure(s) for s in USES}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def room(path):
    """The subsystem, 'cli' or the command a source file belongs to."""
    parts = path.split('/')
    if parts[0] == 'lib' and len(parts) > 2:
        return parts[1]
    if parts[0] == 'cli' or parts[0] in COMMANDS:
        return parts[0]
    return None


def may_use(a, b):
    """Whether room a may point at room b."""
    if a == b:
        return True
    if a in USES:
        return b in ALLOWED[a]
    if a == 'cli':
        return b in USES
    if a in COMMANDS:
        return b in USES or b == 'cli'
    return False


def sources():
    out = subprocess.check_output(['git', 'ls-files', 'lib', 'cli'] + COMMANDS, text=True)
    return [f for f in out.split() if f.endswith(('.c', '.h', '.cpp'))]


def check_includes(files, bad):
    for f in files:
        a = room(f)
        for name in INCLUDE.findall(open(f, encoding='utf-8', errors='replace').read()):
            if '/' not in name:
                continue            # a header beside the file
            b = name.split('/')[0]
            if b not in USES and b != 'cli' and b not in COMMANDS:
                continue
            if not may_use(a, b):
                bad.append(f'{f}: includes {name}: {a} may not use {b}')
            elif a != b and b in USES and name != f'{b}/{b}.h':
                bad.append(f'{f}: includes {name}: outside {b}, include {b}/{b}.h')


def check_links(specs, bad):
    for spec in specs:
        cmd, _, srcs = spec.partition('=')
        for s in srcs.split():
            r = room(s)
            if r != cmd and r != 'cli' and r not in USES:
                bad.append(f'{s}: linked into {cmd}: a command links only its own folder, cli/ and lib/')


def symbols(obj):
    out = subprocess.check_output(['nm', '--defined-only', '-g', obj], text=True)
    defined = {l.split()[-1] for l in out.splitlines() if len(l.split()) == 3}
    out = subprocess.check_output(['nm', '-u', obj], text=True)
    used = {l.split()[-1] for l in out.splitlines() if l.split()}
    return defined, used


def check_calls(build, files, bad):
    objs = {}
    for f in files:
        if f.endswith(('.c', '.cpp')):
            o = os.path.join(build, os.path.splitext(f)[0] + '.o')
            if os.path.exists(o):
                objs[f] = symbols(o)
    owner = {}
    for f, (defined, _) in objs.items():
        for s in defined:
            owner.setdefault(s, f)
    calls = {f: set() for f in objs}
    why = {}
    for f, (_, used) in objs.items():
        for s in sorted(used):
            g = owner.get(s)
            if g and g != f:
                calls[f].add(g)
                why.setdefault((f, g), s)
                if not may_use(room(f), room(g)):
                    bad.append(f'{f}: calls {s} of {g}: {room(f)} may not use {room(g)}')
    for comp in circles(calls):
        edges = [f'{f} -> {g} ({why[(f, g)]})' for f in comp for g in sorted(calls[f]) if g in comp]
        bad.append(f'{comp[0]}: files that call each other in a circle: ' + ', '.join(edges))


def circles(graph):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check_folders(files, bad):
    for f in files:
        cmd, _, name = f.partition('/')
        if cmd in COMMANDS and name != 'main.c' and name not in SUBCOMMANDS.get(cmd, []):
            bad.append(f'{f}: not main.c or a subcommand')


def all_sources():
    """Every C source in the tree (tests and benches too, and files not yet
    added), for the size rule."""
    out = subprocess.check_output(['git', 'ls-files', '--cached', '--others',
                                   '--exclude-standard', '*.c'], text=True)
    return sorted(set(out.split()))


def check_sizes(files, bad):
    count = {}
    for f in files:
        if f.endswith('.c'):
            d = os.path.dirname(f)
            count[d] = count.get(d, 0) + 1
    for d, n in sorted(count.items()):
        if n > MAX_C_FILES:
            bad.append(f'{d}/: {n} .c files, more than {MAX_C_FILES}')


def main():
    if len(sys.argv) < 2:
        sys.stderr.write('usage: tools/layers.py BUILD CMD=SRC...\n')
        return 2
    files = sources()
    bad = []
    check_includes(files, bad)
    check_links(sys.argv[2:], bad)
    check_calls(sys.argv[1], files, bad)
    check_folders(files, bad)
    check_sizes(all_sources(), bad)
    for b in bad:
        print(b)
    if bad:
        print(f'layers: {len(bad)} breaches')
        return 1
    print(f'layers: {len(files)} files, every include and call points down, no circles')
    return 0


if __name__ == '__main__':
    sys.exit(main())
