"""Hypothesis strategies that break a valid payload the ways a buggy or hostile sender could:
keys dropped, values nulled or of another type, huge or odd strings, deep nesting, wrong ids."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

Path = tuple[str | int, ...]

HUGE = 50_000


def nested(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


# What a value is replaced with: every JSON type, odd text, deep nesting (under and over the
# endpoint's limit) and ids of the wrong kind.
junk: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.just(""),
    st.just("\x00\x01\x1b[31m\u202e\ud7ff\ufeff"),
    st.just("<!channel> @everyone @here"),
    st.just("x" * HUGE),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.builds(nested, st.integers(min_value=2, max_value=40)),
    st.builds(nested, st.just(100)),
    st.sampled_from(["U0", "T0", "C0", "W0", "E0", "0", "-1", "U1 U2", "999999999999999999999"]),
)


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every place inside ``value``: keys of objects and items of lists."""
    found: list[Path] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key))
            found.extend(paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths(inner, (*prefix, index)))
    return found


def _parent(payload: Any, path: Path) -> Any:
    for step in path[:-1]:
        payload = payload[step]
    return payload


def _drop(payload: Any, path: Path, _: Any) -> None:
    del _parent(payload, path)[path[-1]]


def _replace(payload: Any, path: Path, value: Any) -> None:
    _parent(payload, path)[path[-1]] = value


def _wrap(payload: Any, path: Path, _: Any) -> None:
    # A value where a list of it was expected, or the other way round.
    parent = _parent(payload, path)
    parent[path[-1]] = [parent[path[-1]]]


Mutation = Callable[[Any, Path, Any], None]
OPERATIONS: list[Mutation] = [_drop, _replace, _replace, _wrap]


@st.composite
def mutated(draw: st.DrawFn, payload: dict[str, Any], most: int = 3) -> dict[str, Any]:
    """``payload`` with one to ``most`` mutations, each at a place drawn from what is left."""
    result = copy.deepcopy(payload)
    for _ in range(draw(st.integers(min_value=1, max_value=most))):
        places = paths(result)
        if not places:
            break
        path = draw(st.sampled_from(places))
        operation = draw(st.sampled_from(OPERATIONS))
        operation(result, path, draw(junk))
    return result
