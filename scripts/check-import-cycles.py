#!/usr/bin/env python3
"""Fails when a module of a workspace crate imports one that imports it back.

Run: python3 scripts/check-import-cycles.py [--graph] [crate_src_dir ...]
(no arguments: every `src/` of the workspace; `make lint` runs it). No dependencies.

The rule (ARCHITECTURE.md, "Import layers"):
* A node is a module file (`foo.rs`, `foo/mod.rs`; a `#[path]` / `#[cfg_attr(.., path)]`
  module is its file(s)). Inline `mod x { .. }` blocks belong to their file.
* A module A depends on B when A's code names an item of B: in a `use` declaration or as an
  inline path (`crate::b::f()`, `super::b::X`, `self::b::Y`). A path is resolved to the
  deepest module that exists; a name that is a re-export (`pub use`, `pub(crate) use`) of
  that module is followed to the module it re-exports from, so a facade (`lib.rs`, a
  `mod.rs` that only declares and re-exports) adds no edge of its own: its `mod` and
  re-export lines are not dependencies.
* A child naming its parent's own items (`super::Item` defined in the parent's file) depends
  on the parent like on any other module; a parent that also uses that child's items forms
  a cycle. A private test module (`tests.rs`, `#[cfg(test)] mod tests { .. }`) is skipped:
  test code may reach anything.
* The check runs at two levels and fails on a cycle at either: between files, and between
  the crate's top-level modules (a directory module with all its descendants is one node;
  edges inside one such node are not counted at this level).

ALLOWED lists cycles known and owned by other work (each with why); they are reported but do
not fail. Remove an entry when its cycle is gone (the script fails on a stale entry).
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Pre-existing cycles owned by in-flight splits (issue 14 part 2 for the channel folder):
# listed so `make lint` stays green until those land; remove each entry with its split.
ALLOWED = {
    # (crate, level, cycle): "why, and which work removes it"; empty since the channel and futex
    # splits of issue 14 landed.
}

CRATE_SRCS = ["src", "primitives/src", "scheduler/src", "verify/src"]


def strip_comments_and_strings(text):
    """Removes comments, string and char literals (keeps line structure)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 20]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = text.find('"' + m.group(1), i + len(m.group(0)))
            seg = text[i:end + 1 + len(m.group(1))]
            out.append('""' + "\n" * seg.count("\n"))
            i = end + 1 + len(m.group(1))
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text[i:j].count("\n"))
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def matching_brace(text, i):
    """Index after the brace block opening at text[i] == '{'."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


def drop_test_modules(text):
    """Removes `#[cfg(test)] mod x { .. }` blocks (and `#[cfg(test)] mod x;` lines)."""
    while True:
        m = re.search(r"#\[cfg\((?:test|all\(test\b[^\]]*)\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*([{;])", text)
        if not m:
            return text
        if m.group(1) == ";":
            text = text[:m.start()] + text[m.end():]
        else:
            end = matching_brace(text, m.end() - 1)
            text = text[:m.start()] + text[end:]


def split_top_level(s, sep=","):
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def expand_use_tree(tree, prefix=()):
    """`a::{b, c::{d as e, self}}` -> [(path, alias)] with path a tuple of segments."""
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^(.*?)(\{.*\})$", tree)
    if m and tree.endswith("}"):
        head = m.group(1)
        segs = tuple(x for x in head.split("::") if x)
        out = []
        for part in split_top_level(m.group(2)[1:-1]):
            out += expand_use_tree(part, prefix + segs)
        return out
    alias = None
    if "as" in tree and re.search(r"as[A-Za-z_]", tree):
        # Whitespace is gone: split `pathasalias` on the last `as` after `::`.
        m2 = re.match(r"^(.*[A-Za-z0-9_*])as([A-Za-z_]\w*)$", tree)
        if m2 and not m2.group(1).endswith("::"):
            tree, alias = m2.group(1), m2.group(2)
    segs = prefix + tuple(x for x in tree.split("::") if x)
    if segs and segs[-1] == "self":
        segs = segs[:-1]
    return [(segs, alias or (segs[-1] if segs else None))]


class Crate:
    def __init__(self, src):
        self.src = src
        self.files = {}  # module path tuple -> [file paths]
        self.reexports = {}  # module path -> {name: target path tuple}
        self.texts = {}  # file -> stripped text
        self.load_module((), [os.path.join(src, "lib.rs")])

    def load_module(self, modpath, paths):
        paths = [p for p in paths if os.path.isfile(p)]
        if not paths:
            return
        self.files[modpath] = paths
        for path in paths:
            raw = open(path, encoding="utf-8").read()
            text = strip_comments_and_strings(raw)
            self.texts[path] = text
            if os.path.basename(path) in ("mod.rs", "lib.rs"):
                base = os.path.dirname(path)
            else:
                base = os.path.splitext(path)[0]
            for m in re.finditer(r"((?:#\[[^\]]*\]\s*)*)(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text):
                attrs, name = m.group(1), m.group(2)
                if re.search(r"#\[cfg\(test\)\]", attrs) or name == "tests":
                    continue
                # Attributes were stripped of strings: read them from the raw text at the same line.
                line_no = text[:m.start()].count("\n")
                raw_lines = raw.split("\n")
                raw_attr = "\n".join(raw_lines[max(0, line_no - 8):line_no + text[m.start():m.end()].count("\n") + 1])
                last_mod = raw_attr.rfind("mod " + name)
                attr_block = raw_attr[:last_mod]
                # Only the attributes directly above this `mod`.
                attr_block = attr_block.split(";")[-1].split("}")[-1]
                explicit = re.findall(r'path\s*=\s*"([^"]*)"', attr_block)
                if explicit:
                    cands = [os.path.join(os.path.dirname(path), e) for e in explicit]
                else:
                    cands = [os.path.join(base, name + ".rs"), os.path.join(base, name, "mod.rs")]
                    cands = [c for c in cands if os.path.isfile(c)][:1]
                self.load_module(modpath + (name,), cands)

    def module_of_file(self, path):
        for mod, files in self.files.items():
            if path in files:
                return mod
        return None

    def resolve_base(self, modpath, segs):
        """Turns a path's leading crate/super/self into an absolute module path."""
        if not segs:
            return None
        if segs[0] == "crate":
            return ((), segs[1:])
        if segs[0] == "self":
            return (modpath, segs[1:])
        if segs[0] == "super":
            cur, rest = modpath, segs
            while rest and rest[0] == "super":
                cur, rest = cur[:-1], rest[1:]
            return (cur, rest)
        return None

    def deepest(self, base, rest, depth=0):
        """The module that defines what `base::rest` names (following re-exports)."""
        cur, i = base, 0
        while i < len(rest) and cur + (rest[i],) in self.files:
            cur, i = cur + (rest[i],), i + 1
        if i < len(rest) and depth < 16:
            target = self.reexports.get(cur, {}).get(rest[i])
            if target is not None:
                return self.deepest(target[0], target[1] + rest[i + 1:], depth + 1)
        return cur

    def collect_reexports(self):
        for mod, files in self.files.items():
            table = {}
            for path in files:
                for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", self.texts[path]):
                    for segs, alias in expand_use_tree(m.group(1)):
                        if alias in (None, "*"):
                            continue
                        r = self.resolve_base(mod, segs)
                        if r is None and segs and (mod + (segs[0],)) in self.files:
                            r = (mod, segs)
                        if r is not None:
                            table[alias] = (r[0], r[1])
            self.reexports[mod] = table

    def edges(self):
        self.collect_reexports()
        edges = {}
        for mod, files in self.files.items():
            targets = set()
            for path in files:
                text = drop_test_modules(self.texts[path])
                # Re-export lines are not dependencies of this module (the facade rule).
                body = re.sub(r"\bpub(?:\([^)]*\))?\s+use\s+[^;]+;", "", text)
                paths = []
                # Names a `use` binds to a module (`use crate::registry::{self}` binds
                # `registry`): a later bare path `registry::build` goes through them.
                aliases = {}
                for m in re.finditer(r"\buse\s+([^;]+);", text):
                    for segs, alias in expand_use_tree(m.group(1)):
                        if segs and segs[0] not in ("crate", "self", "super") and (mod + (segs[0],)) in self.files:
                            segs = ("self",) + segs
                        if alias not in (None, "*"):
                            aliases[alias] = segs
                for m in re.finditer(r"\buse\s+([^;]+);", body):
                    for segs, _ in expand_use_tree(m.group(1)):
                        if segs and segs[0] not in ("crate", "self", "super") and (mod + (segs[0],)) in self.files:
                            segs = ("self",) + segs
                        paths.append(segs)
                body = re.sub(r"\buse\s+[^;]+;", "", body)
                for m in re.finditer(r"(?<![:\w])\s*\b(\w+)((?:\s*::\s*\w+)+)", body):
                    first = m.group(1)
                    segs = tuple(s.strip() for s in m.group(2).split("::") if s.strip())
                    if first in ("crate", "super", "self"):
                        paths.append((first,) + segs)
                    elif (mod + (first,)) in self.files:
                        paths.append(("self", first) + segs)
                    elif first in aliases and aliases[first][:1] in (("crate",), ("self",), ("super",)):
                        paths.append(aliases[first] + segs)
                for segs in paths:
                    r = self.resolve_base(mod, segs)
                    if r is None:
                        continue
                    rest = tuple(s for s in r[1] if s != "*")
                    target = self.deepest(r[0], rest)
                    if target != mod:
                        targets.add(target)
            edges[mod] = targets
        return edges


def find_cycles(edges):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
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
                sccs.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sccs


def one_cycle(edges, comp):
    """A concrete loop through the component, for the message."""
    comp = set(comp)
    start = min(comp)
    path, seen = [start], {start}
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges.get(v, ())):
            if w == start:
                out = [v]
                while prev[out[-1]] is not None:
                    out.append(prev[out[-1]])
                return list(reversed(out)) + [start]
            if w in comp and w not in seen:
                seen.add(w)
                prev[w] = v
                queue.append(w)
    return path


def name(crate_label, mod):
    return crate_label + "::" + ("::".join(mod) if mod else "(root)")


def main(argv):
    show_graph = "--graph" in argv
    srcs = [a for a in argv if not a.startswith("--")] or CRATE_SRCS
    failed, seen_allowed, labels = False, set(), set()
    for rel in srcs:
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(os.path.join(src, "lib.rs")):
            continue
        label = os.path.dirname(rel) or "portalis-threading"
        labels.add(label)
        crate = Crate(src)
        edges = crate.edges()
        top = {}
        for a, bs in edges.items():
            ta = a[:1]
            for b in bs:
                tb = b[:1]
                if ta != tb:
                    top.setdefault(ta, set()).add(tb)
            top.setdefault(ta, set())
        if show_graph:
            for a in sorted(edges):
                print(f"{name(label, a)} -> {', '.join(name(label, b) for b in sorted(edges[a])) or '-'}")
        for level, graph in (("module", edges), ("top-level module", top)):
            for comp in find_cycles(graph):
                key = (label, level, tuple("::".join(m) for m in comp))
                loop = " -> ".join(name(label, m) for m in one_cycle(graph, comp))
                if key in ALLOWED:
                    seen_allowed.add(key)
                    print(f"allowed {level} cycle ({ALLOWED[key]}): {loop}")
                else:
                    failed = True
                    members = ", ".join(name(label, m) for m in comp)
                    print(f"import cycle between {level}s: {loop}  (every module on a circle here: {members})")
    for key in ALLOWED:
        if key not in seen_allowed and key[0] in labels:
            failed = True
            print(f"stale ALLOWED entry (that cycle is gone; delete it): {key}")
    if failed:
        print("check-import-cycles: FAILED (rule: scripts/check-import-cycles.py docstring)")
        return 1
    print("check-import-cycles: no import cycle in " + ", ".join(srcs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
