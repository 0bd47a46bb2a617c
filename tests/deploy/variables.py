"""The environment variables the program reads, found in its source, and the ones
``.env.example`` lists: what keeps the file from drifting away from the code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
# Where the program's settings are read: everything but the tests and benchmarks.
SOURCES = ("bot", "adapters", "storage", "migrations/env.py")

_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _python_files() -> Iterator[Path]:
    for source in SOURCES:
        path = ROOT / source
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def _is_environment(node: ast.expr) -> bool:
    """``environ``, ``os.environ``, ``self._environ``, ``env``: a mapping of settings."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return isinstance(name, str) and (name.endswith("environ") or name in {"env", "environment"})


def _constants(trees: Iterable[ast.Module]) -> dict[str, str]:
    """Module-level ``NAME = "TEXT"`` of every module, so that ``environ.get(SEAL_VARIABLE)``
    counts as a read of the text."""
    found: dict[str, str] = {}
    for tree in trees:
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found[node.targets[0].id] = node.value.value
    return found


def _text(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _keys_read(node: ast.AST) -> Iterator[ast.expr]:
    """The key expressions of reads: ``environ.get(KEY)``, ``environ[KEY]``,
    ``os.getenv(KEY)``, and a helper given the mapping first: ``flag(environ, KEY, ...)``."""
    # Only a load: ``os.environ[NAME] = ...`` hands a value on, it does not read a setting.
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Load)
        and _is_environment(node.value)
    ):
        yield node.slice
    if not isinstance(node, ast.Call) or not node.args:
        return
    function = node.func
    if isinstance(function, ast.Attribute) and (
        function.attr == "getenv" or (function.attr == "get" and _is_environment(function.value))
    ):
        yield node.args[0]
    if len(node.args) >= 2 and _is_environment(node.args[0]):
        yield node.args[1]


def variables_read() -> set[str]:
    """Every variable name the program's source reads from its settings mapping."""
    trees = [ast.parse(path.read_text(), str(path)) for path in _python_files()]
    constants = _constants(trees)
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            for key in _keys_read(node):
                text = _text(key, constants)
                if text is not None and _NAME.match(text):
                    names.add(text)
    return names


@dataclass(frozen=True)
class Listed:
    name: str
    value: str
    meaning: str


def env_example(path: Path = ENV_EXAMPLE) -> list[Listed]:
    """The variables of ``.env.example`` in order, each with the comment line above it."""
    listed: list[Listed] = []
    comment = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            comment = line.lstrip("#").strip()
        elif "=" in line:
            name, _, value = line.partition("=")
            listed.append(Listed(name.strip(), value.strip(), comment))
            comment = ""
        else:
            comment = ""
    return listed
