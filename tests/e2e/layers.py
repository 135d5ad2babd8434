#!/usr/bin/env python3
"""Checks the layering of src/: every #include "x.h" of a file points to its
own folder or a folder below it, and the includes between files form no
circle. The order, bottom up: util, model, input, net, xmpp, login, report,
pipeline, then main.c. Also: a file of more than LONG lines says at its top
why it is long (a line "Longer than 800 lines: ..." in its first comment).
Prints TAP; exit status 1 on a failure."""
import os
import re
import sys

ORDER = ["util", "model", "input", "net", "xmpp", "login", "report", "pipeline", "main"]
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "src")


def layer_of(rel):
    parts = rel.split(os.sep)
    if len(parts) == 1:
        return "main" if parts[0].startswith("main.") else "pipeline"
    return parts[0]


files = {}
for root, _, names in os.walk(src):
    for n in names:
        if n.endswith((".c", ".h")):
            rel = os.path.relpath(os.path.join(root, n), src)
            files[rel] = open(os.path.join(root, n), encoding="utf-8", errors="replace").read()
by_name = {}
for rel in files:
    by_name.setdefault(os.path.basename(rel), []).append(rel)

tests = []
edges = {}
for rel, text in sorted(files.items()):
    mine = layer_of(rel)
    bad = []
    for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
        if inc == "config.h":
            continue
        targets = by_name.get(os.path.basename(inc), [])
        if not targets:
            continue
        target = targets[0]
        edges.setdefault(rel, set()).add(target)
        theirs = layer_of(target)
        if theirs not in ORDER or mine not in ORDER:
            bad.append(f"{inc} ({theirs}): a folder the layering does not know")
        elif ORDER.index(theirs) > ORDER.index(mine):
            bad.append(f"{inc} is in {theirs}/, above {mine}/")
    tests.append((not bad, f"{rel} includes only its layer and the ones below", bad))

# circles between files, header and source of one module taken as one
def module(rel):
    return os.path.splitext(rel)[0]

graph = {}
for a, bs in edges.items():
    for b in bs:
        if module(a) != module(b):
            graph.setdefault(module(a), set()).add(module(b))
state, stack, cycles = {}, [], []

def visit(m):
    state[m] = 1
    stack.append(m)
    for n in sorted(graph.get(m, ())):
        if state.get(n) == 1:
            cycles.append(stack[stack.index(n):] + [n])
        elif not state.get(n):
            visit(n)
    stack.pop()
    state[m] = 2

for m in sorted(graph):
    if not state.get(m):
        visit(m)
tests.append((not cycles, "no circle of includes between modules", [" -> ".join(c) for c in cycles]))

LONG = 800
for rel, text in sorted(files.items()):
    n = text.count("\n")
    if n > LONG:
        head = "\n".join(text.splitlines()[:60])
        tests.append(("Longer than 800 lines:" in head,
                      f"{rel} ({n} lines) says at its top why it is longer than {LONG}",
                      [] if "Longer than 800 lines:" in head else ["no 'Longer than 800 lines:' in its first 60 lines"]))

print(f"1..{len(tests)}")
failed = 0
for i, (ok, name, notes) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for n in notes:
        print(f"# {n}")
    failed += not ok
sys.exit(1 if failed else 0)
