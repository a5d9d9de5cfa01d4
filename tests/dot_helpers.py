"""Reading back the DOT text that mg.to_dot writes, for structural checks.

`parse_dot` returns the drawn nodes (id -> label, class and the labels of the
clusters around it) and edges (source, target, attributes), so a test can
compare them with the graph that was recorded. `require_dot` finds the Graphviz
program: in CI (CI set) a missing `dot` fails the test, elsewhere it skips.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field

import pytest

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")
_OPEN = re.compile(r"^\s*subgraph (cluster_\w+) \{$")
_CLUSTER_ATTRS = re.compile(r"^\s*graph \[label=" + _QUOTED)


def unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def attribute(attrs: str, name: str) -> str | None:
    match = re.search(r"(?:^| )" + name + "=" + _QUOTED, attrs)
    if match:
        return unquote(match.group(1))
    match = re.search(r"(?:^| )" + name + r"=([^\s\"]+)", attrs)
    return match.group(1) if match else None


@dataclass
class Node:
    id: str
    label: str
    css: str
    clusters: tuple
    attrs: str

    @property
    def kind(self) -> str:
        return self.css.split()[0]


@dataclass
class Dot:
    nodes: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)  # (source, target, attrs): data flows source -> target
    invisible: list = field(default_factory=list)
    clusters: list = field(default_factory=list)  # label paths

    def of_kind(self, *kinds) -> list:
        return [n for n in self.nodes.values() if n.kind in kinds]

    @property
    def drawn(self) -> list:
        """The op and leaf nodes (markers and the legend aside)."""
        return self.of_kind("op", "param", "input", "const")

    def labels(self, *kinds) -> list:
        return [n.label for n in (self.of_kind(*kinds) if kinds else self.nodes.values())]


def parse_dot(text: str) -> Dot:
    """Nodes, edges and clusters of mg.to_dot's output (its own line-per-statement layout)."""
    dot = Dot()
    stack: list = []
    pending_open = False
    lines = text.splitlines()
    assert lines[0] == "digraph minigrad {" and lines[-1] == "}", "not a minigrad DOT text"
    for line in lines[1:-1]:
        if _OPEN.match(line):
            pending_open = True
            continue
        match = _CLUSTER_ATTRS.match(line)
        if pending_open and match:
            stack.append(unquote(match.group(1)))
            dot.clusters.append(tuple(stack))
            pending_open = False
            continue
        if line.strip() == "}":
            stack.pop()
            continue
        match = _EDGE.match(line)
        if match:
            source, target, attrs = match.group(1), match.group(2), match.group(3) or ""
            if "style=invis" in attrs:
                dot.invisible.append((source, target))
            else:
                dot.edges.append((source, target, attrs))
            continue
        match = _NODE.match(line)
        if match and match.group(1) not in ("graph", "node", "edge"):
            attrs = match.group(2)
            node_id = match.group(1)
            dot.nodes[node_id] = Node(node_id, attribute(attrs, "label") or "",
                                      attribute(attrs, "class") or "", tuple(stack), attrs)
    assert not stack, "unbalanced clusters"
    return dot


def require_dot() -> str:
    """The path of the Graphviz `dot` program; fails in CI without it, else skips."""
    path = shutil.which("dot")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("the Graphviz program `dot` is required in CI (apt-get install graphviz)")
        pytest.skip("Graphviz `dot` not installed")
    return path


def expected_counts(roots) -> tuple[int, int, int]:
    """(op nodes, leaf tensors, edges = op inputs) of the graph behind `roots`, walked here
    independently of the renderer (a fused layer's node as the steps it stands for,
    `minigrad.expansion`)."""
    from minigrad.expansion import source_of

    nodes, leaves, edges = set(), set(), 0
    stack = []

    def visit(tensor) -> None:
        node = source_of(tensor)[0]
        if node is None:
            leaves.add(id(tensor))
        elif node not in nodes:
            nodes.add(node)
            stack.append(node)

    for r in roots:
        visit(r)
    while stack:
        for t in stack.pop().inputs:
            edges += 1
            visit(t)
    return len(nodes), len(leaves), edges
