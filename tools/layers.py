#!/usr/bin/python3
"""The dependency graph between the object files of each folder (one library or program):
A -> B when A uses a global symbol B defines (nm). Prints each folder's edges with -v and
every cycle; exits 1 if any folder has one. Usage: layers.py [-v] BUILD FOLDER... (run from the repository's top)."""
import os, subprocess, sys

def symbols(obj):
    out = subprocess.run(["nm", "-g", obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRCVWGS":
            defined.add(parts[2])
    return defined, used

def cycles(graph):
    found, state, stack = [], {}, []
    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                found.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2
    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found

def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv
    build, folders = args[0], args[1:]
    bad = 0
    for folder in folders:
        # The objects of the folder's sources as they are now, not stale ones of removed files.
        d = os.path.join(build, folder)
        objs = sorted(f[:-2] + ".o" for f in os.listdir(folder) if f.endswith(".c"))
        missing = [o for o in objs if not os.path.exists(os.path.join(d, o))]
        if missing:
            print(f"{folder}: not built: {' '.join(missing)}")
            bad += 1
            continue
        if not objs:
            print(f"{folder}: no objects in {d}")
            bad += 1
            continue
        syms = {o: symbols(os.path.join(d, o)) for o in objs}
        graph = {o: set() for o in objs}
        for a in objs:
            for b in objs:
                if a != b and syms[a][1] & syms[b][0]:
                    graph[a].add(b)
        if verbose:
            for a in objs:
                print(f"{folder}: {a[:-2]} -> {' '.join(sorted(b[:-2] for b in graph[a])) or '-'}")
        cyc = cycles(graph)
        for c in cyc:
            print(f"{folder}: cycle " + " -> ".join(x[:-2] for x in c))
        bad += bool(cyc)
    sys.exit(1 if bad else 0)

main()
