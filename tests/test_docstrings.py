"""Every public name of `minigrad` and `nn` has a docstring with an example, and the example runs.

The public API is what a user can reach without an underscore: a package's `__all__` where it
has one, otherwise its top-level functions and classes defined in this project; the public
subpackages (`minigrad.distributed`, `nn.functional`, `nn.init`, `nn.utils`, `nn.optim`,
`nn.decode`, `nn.attention`, `nn.parallel`); and the public methods and properties of every
public class, each checked once, under the first public class that offers it. Each object gets
one test: it fails when the docstring is missing, has no `Examples:` section with `>>>` lines,
or when those lines do not print what they say (run by `doctest`, with `mg`, `nn` and `np`
already imported).
"""
from __future__ import annotations

import ast
import doctest
import functools
import importlib
import inspect
import re
import types
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import nn

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("minigrad", "nn")
# the public namespaces: the packages, then the submodules users call into by name
NAMESPACES = (
    ("minigrad", mg),
    ("minigrad.distributed", mg.distributed),
    ("nn", nn),
    ("nn.functional", nn.functional),
    ("nn.init", nn.init),
    ("nn.utils", nn.utils),
    ("nn.optim", nn.optim),
    ("nn.decode", nn.decode),
    ("nn.attention", nn.attention),
    ("nn.parallel", nn.parallel),
)
EXAMPLES = re.compile(r"^\s*Examples?:\s*$(.*)", re.MULTILINE | re.DOTALL)


def _ours(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in PROJECT


def _public_names(module: types.ModuleType) -> list[str]:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    root = module.__name__.split(".")[0]
    # without __all__: the functions and classes of this package, not what it imported
    # from elsewhere (typing, numpy, or minigrad's helpers inside nn)
    return [name for name in dir(module) if not name.startswith("_")
            and (inspect.isfunction(getattr(module, name)) or inspect.isclass(getattr(module, name)))
            and getattr(getattr(module, name), "__module__", "").split(".")[0] == root]


def _members(cls: type):
    """(defining class, name, member) for each public method and property a user sees on
    `cls`, from the classes of this project in its MRO (never object's, tuple's or
    Exception's)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(member, (classmethod, staticmethod)):
                member = member.__func__
            if isinstance(member, property) and _ours(member.fget) or inspect.isfunction(member) and _ours(member):
                yield klass, name, member  # a property's docstring is its own (its getter's, or doc=)


def _key(obj) -> int:
    return id(obj.fget) if isinstance(obj, property) else id(obj)


def public_api() -> list[tuple[str, object]]:
    """(dotted name, object) for every public function, class, method and property, each
    object once (`mg.clamp` is `mg.clip`). A method is named after the public class that
    defines it (`nn.Module.parameters`), or, when a private base defines it, after the first
    public class that inherits it (`nn.LSTM.flatten_parameters`)."""
    found: list[tuple[str, object]] = []
    seen: set[int] = set()

    def add(name: str, obj) -> None:
        if _key(obj) not in seen:
            seen.add(_key(obj))
            found.append((name, obj))

    classes: list[tuple[str, type]] = []
    for prefix, module in NAMESPACES:
        for name in _public_names(module):
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType) or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue  # subpackages are walked as namespaces; dtypes and constants are data
            if not _ours(obj):
                continue
            add(f"{prefix}.{name}", obj)
            if inspect.isclass(obj):
                classes.append((f"{prefix}.{name}", obj))
    public = {}
    for name, cls in classes:
        public.setdefault(cls, name)
    for name, cls in classes:
        for klass, member_name, member in _members(cls):
            add(f"{public.get(klass, name)}.{member_name}", member)
    return found


API = public_api()
GLOBS = {"mg": mg, "nn": nn, "np": np}
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def test_the_api_is_found():
    names = {name for name, _ in API}
    for expected in ("minigrad.Tensor", "minigrad.Tensor.backward", "minigrad.Tensor.shape",
                     "minigrad.no_grad", "minigrad.ScopeEntry", "minigrad.distributed.allreduce",
                     "nn.Linear", "nn.Module.parameters", "nn.functional.cross_entropy",
                     "nn.init.xavier_uniform_", "nn.utils.clip_grad_norm_", "nn.LSTM"):
        assert expected in names, expected
    assert not [name for name in names if any(part.startswith("_") for part in name.split("."))]


@pytest.mark.parametrize(("name", "obj"), API, ids=[name for name, _ in API])
def test_docstring_has_a_running_example(name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    examples = EXAMPLES.search(doc)
    assert examples and ">>>" in examples.group(1), f"{name}: its docstring has no `Examples:` with `>>>`"
    tests = doctest.DocTestFinder(recurse=False, exclude_empty=True).find(
        obj, name, module=False, globs=dict(GLOBS))
    assert tests and tests[0].examples, f"{name}: no doctest found"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    output: list[str] = []
    for test in tests:
        runner.run(test, out=output.append, clear_globs=True)
    assert runner.failures == 0, f"{name}: its example does not run as written\n" + "".join(output)


def _resolve(identifier: str):
    """The object a `::: identifier` line of the docs names (as mkdocstrings finds it)."""
    parts = identifier.split(".")
    obj = importlib.import_module(parts[0])
    for part in parts[1:]:
        obj = getattr(obj, part)
    return obj


def test_the_api_reference_lists_every_public_name():
    """docs/api/*.md name every public function and class (under any of its names), and
    every Tensor method and property; other classes show their members themselves."""
    identifiers = [line[4:].strip() for page in sorted((ROOT / "docs" / "api").glob("*.md"))
                   for line in page.read_text().splitlines() if line.startswith("::: ")]
    listed = {_key(_resolve(identifier)) for identifier in identifiers}
    classes = {identifier for identifier in identifiers if inspect.isclass(_resolve(identifier))}
    missing = []
    for name, obj in API:
        owner = name.rsplit(".", 1)[0]
        if _key(obj) in listed or owner in classes and owner != "minigrad.Tensor":
            continue
        if inspect.isclass(_resolve(owner)) and any(_key(_resolve(c)) == _key(_resolve(owner)) for c in classes) \
                and owner != "minigrad.Tensor":
            continue  # a member of a class listed under another name
        missing.append(name)
    assert not missing, f"not in docs/api/*.md: {missing}"


@functools.cache
def _module_tree(module_name: str) -> ast.Module:
    return ast.parse(Path(importlib.import_module(module_name).__file__).read_text())


def test_factory_made_names_give_the_docs_their_docstring():
    """A public function or class made by a factory (`argmax = _index_reduction("argmax")`,
    `LeakyReLU = _activation(...)`) is an attribute to the docs' static reader: the string
    after the assignment is what the page shows, so it must be the docstring the object has
    (the one whose example the doctest runs)."""
    namespaces = {prefix for prefix, _ in NAMESPACES}
    made, wrong = 0, []
    for name, obj in API:
        if name.rsplit(".", 1)[0] not in namespaces:
            continue
        tree = _module_tree(obj.__module__)
        if obj.__name__ in {node.name for node in tree.body
                            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}:
            continue
        made += 1
        shown = [inspect.cleandoc(after.value.value) for before, after in zip(tree.body, tree.body[1:])
                 if isinstance(before, ast.Assign)
                 and any(getattr(t, "id", None) == obj.__name__ for t in before.targets)
                 and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)]
        if shown != [inspect.getdoc(obj)]:
            wrong.append(name)
    assert made  # mg.argmax, mg.argmin, mg.any, mg.all at least
    assert not wrong, (f"made by a factory: put each one's docstring, as a string literal, right "
                       f"after its `name = ...`, so the API reference shows it: {wrong}")
