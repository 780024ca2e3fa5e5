#!/usr/bin/python3
"""
includegraph.py - fail on an include circle between the modules of a program.

SYNOPSIS
	includegraph.py TOP_SRCDIR

DESCRIPTION
	For each program (mtasts-policyd, mtasts-milter, mtasts-ctl, and the
	libraries under common/) the script reads the sources named by its
	directories and derives, from the text alone:

	- which functions and extern variables each header declares
	  (top-level declarations, KNF style: nothing indented);
	- which C file defines each of them (a name at column 0 followed by
	  "(" for a function, a non-static top-level definition for a
	  variable);
	- which headers each C file includes, directly or through other
	  headers of the program.

	Module A depends on module B when A includes (transitively) a
	header that declares something B defines, and A names it (a
	header included only for a type makes no edge). A circle in that graph
	(A depends on B which depends back on A) is reported as "not ok";
	so is a module that includes a header whose definitions live in
	the program's main.c: main.c is the top of its graph.

	Output is TAP, one test per program.

DIAGNOSTICS
	Exit 1 when a circle is found, 0 otherwise.
"""
import os
import re
import sys

PROGRAMS = [
    ("common", ["common", "common/net"]),
    ("mtasts-policyd", ["policyd", "policyd/route", "policyd/tlsrpt",
                        "common", "common/net"]),
    ("mtasts-ctl", ["ctl", "common", "common/net"]),
    ("mtasts-milter", ["milter", "common"]),
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
FUNC_DEF = re.compile(r'^([A-Za-z_]\w*)\s*\(', re.M)
DECL_FUNC = re.compile(r'\b([A-Za-z_]\w*)\s*\(')
EXTERN = re.compile(r'^extern\b[^;(]*?\b([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*;',
                    re.M)


def strip(text):
    """strip - the text without comments and string literals."""
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'),
                  text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def declared(text):
    """declared - names of functions and extern variables a header declares."""
    names = set()
    depth = 0
    for line in strip(text).split('\n'):
        if depth == 0 and line[:1] not in ('', ' ', '\t', '#', '}') and \
                not line.startswith(('typedef', 'struct', 'enum', 'union',
                                     'extern')):
            m = DECL_FUNC.search(line)
            if m and not line.lstrip().startswith('('):
                names.add(m.group(1))
        depth += line.count('{') - line.count('}')
    names.update(m.group(1) for m in EXTERN.finditer(strip(text)))
    return names


def defined(text, externs):
    """defined - names of functions and of externs a C file defines."""
    text = strip(text)
    names = set(FUNC_DEF.findall(text))
    for name in externs:
        pat = r'^(?!static\b|extern\b)[A-Za-z_][^;(\n]*\b%s\b\s*(\[[^\]]*\])?' \
              r'\s*(=[^;]*)?;' % re.escape(name)
        if re.search(pat, text, re.M):
            names.add(name)
    return names


def check(top, name, dirs):
    """check - None when the program's graph is acyclic, else a message."""
    headers, sources = {}, {}
    for d in dirs:
        path = os.path.join(top, d)
        for f in sorted(os.listdir(path)):
            full = os.path.join(path, f)
            if not f.endswith(('.c', '.h')) or not os.path.isfile(full):
                continue
            with open(full, encoding='utf-8', errors='replace') as fh:
                text = fh.read()
            if f.endswith('.h'):
                headers.setdefault(f, (os.path.join(d, f), text))
            elif f.endswith('.c'):
                sources[os.path.join(d, f)] = text
    decl = {h: declared(t) for h, (_, t) in headers.items()}
    externs = set()
    for h, (_, t) in headers.items():
        externs.update(m.group(1) for m in EXTERN.finditer(strip(t)))
    owner = {}
    for c, t in sources.items():
        for n in defined(t, externs):
            owner.setdefault(n, set()).add(c)

    def closure(text):
        seen, todo = set(), [i for i in INCLUDE.findall(text)]
        while todo:
            h = os.path.basename(todo.pop())
            if h in seen or h not in headers:
                continue
            seen.add(h)
            todo.extend(INCLUDE.findall(headers[h][1]))
        return seen

    deps, why = {}, {}
    for c, t in sources.items():
        deps[c] = set()
        used = set(re.findall(r'\b[A-Za-z_]\w*\b', strip(t)))
        for h in closure(t):
            for n in decl[h] & used:
                for o in owner.get(n, ()):
                    if o != c:
                        deps[c].add(o)
                        why.setdefault((c, o), (h, n))
    problems = []
    for c in sorted(deps):
        for o in sorted(deps[c]):
            if os.path.basename(o) == 'main.c':
                h, n = why[(c, o)]
                problems.append('%s includes %s, whose %s is defined in %s'
                                % (c, h, n, o))
    # a circle: a path from a module back to itself (Tarjan-free DFS)
    state, stack = {}, []

    def visit(c):
        state[c] = 1
        stack.append(c)
        for o in sorted(deps[c]):
            if state.get(o) == 1:
                cyc = stack[stack.index(o):] + [o]
                problems.append('circle: ' + ' -> '.join(
                    '%s (%s: %s)' % (a, why[(a, b)][0], why[(a, b)][1])
                    for a, b in zip(cyc, cyc[1:])) + ' -> ' + o)
            elif o not in state:
                visit(o)
        stack.pop()
        state[c] = 2

    for c in sorted(deps):
        if c not in state:
            visit(c)
    return problems


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else '.'
    print('1..%d' % len(PROGRAMS))
    bad = 0
    for i, (name, dirs) in enumerate(PROGRAMS, 1):
        problems = check(top, name, dirs)
        if problems:
            bad = 1
            print('not ok %d - %s: no include circle' % (i, name))
            for p in problems:
                print('# ' + p)
        else:
            print('ok %d - %s: no include circle' % (i, name))
    return bad


if __name__ == '__main__':
    sys.exit(main())
