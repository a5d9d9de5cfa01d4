"""The one graph walker: every node reachable from the roots, each after all its consumers.

HIPS autograd's child counting, iteratively (no recursion, so a graph a million
nodes deep works): count how many consumers each node has, then hand a node out
once all of them have been handed out. The backward engine runs each node as it
is handed out (its output gradients are then final); the renderer and the
gradient-norm readers use the same order to draw and to read the graph.

`parents(node)` says which nodes feed `node`, once per use: backward follows only
inputs that require grad, pictures follow every input.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


def count_consumers(roots: Iterable, parents: Callable, keep: dict | None = None) -> dict:
    """node -> how many uses of its outputs the walk from `roots` will meet. With `keep`,
    each node's parents are also stored there, so a walk need not ask twice."""
    counts: dict = {}
    stack = list(roots)
    seen = set(stack)
    if parents is gradient_inputs and keep is None:  # the backward engine's count, a hot
        while stack:  # path: no call and no list per node
            node = stack.pop()
            for t in node.inputs:
                parent = t._creator
                if parent is None or not t._requires_grad:
                    continue
                if parent in counts:
                    counts[parent] += 1
                else:
                    counts[parent] = 1
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
        return counts
    while stack:
        node = stack.pop()
        feeding = parents(node)
        if keep is not None:
            keep[node] = feeding
        for parent in feeding:
            counts[parent] = counts.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return counts


def consumers_first(roots: Iterable, parents: Callable) -> Iterator:
    """Yield each node reachable from `roots` after every node that consumes it.

    A node is yielded once all its consumers have been yielded *and resumed past*,
    so a caller may act on a node (run its backward) before its parents come up.
    """
    roots = list(dict.fromkeys(roots))
    feeding: dict = {}
    counts = count_consumers(roots, parents, feeding)
    ready = [root for root in roots if not counts.get(root)]
    while ready:
        node = ready.pop()
        yield node
        for parent in feeding.pop(node):
            count = counts[parent] - 1
            counts[parent] = count
            if not count:
                ready.append(parent)


def input_nodes(node) -> list:
    """Every node that feeds `node`, once per input (for pictures)."""
    return [t._creator for t in node.inputs if t._creator is not None]


def gradient_inputs(node) -> list:
    """The nodes `node` sends a gradient to, once per input that requires grad."""
    return [t._creator for t in node.inputs if t._creator is not None and t._requires_grad]
