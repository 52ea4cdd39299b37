"""The two test layers: `stack` tests start processes (anvil, an indexer thread, an API server); the fast layer
(`pytest -m "not stack"`) starts none. tests/conftest.py marks each test at collection from the fixtures it
uses; this module decides which those are, and counts the start-ups of the session.

It is imported as `tests.layers` only: pytest imports tests/conftest.py as `conftest` and tests/faults.py
imports it again as `tests.conftest`, so state kept in the conftest would exist twice.
"""
from __future__ import annotations

import inspect
import re
from collections import Counter
from functools import cache
from typing import Any

import pytest

import registry.devchain

#: Fixtures that start processes: a test that uses one, directly or through other fixtures, is a stack test.
STACK_FIXTURES = frozenset({"anvil", "stack", "private_stack", "store"})
#: Calls that start processes (anvil, a stack, an API server, any other program such as `datareg` or a demo
#: script): a fixture or test whose code makes one is a stack fixture or test too.
_STARTS_PROCESSES = re.compile(r"\b(start_anvil|anvil_node|own_stack|running_stack|serve|Popen|subprocess\.run)\(")

starts: Counter[str] = Counter()
_fast_test: str | None = None  # the node id of the fast test being run, if one is


def uses_stack(item: pytest.Item) -> bool:
    """Whether the test starts processes, through its fixtures or its own code."""
    if item.get_closest_marker("stack") is not None:
        return True
    names = getattr(item, "fixturenames", ())
    if STACK_FIXTURES.intersection(names):
        return True
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs if info is not None else {}
    functions = [d.func for name in names for d in definitions.get(name, ())]
    return any(_starts_processes(f) for f in [*functions, getattr(item, "function", None)] if f is not None)


@cache
def _starts_processes(function: Any) -> bool:
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    return _STARTS_PROCESSES.search(source) is not None


def running(item: pytest.Item | None) -> None:
    """Notes the test being run (None: none), so that a fast test that starts a process fails."""
    global _fast_test
    _fast_test = item.nodeid if item is not None and item.get_closest_marker("stack") is None else None


def starting(what: str) -> None:
    """Counts a process start-up; refuses one in a fast test, which must not start processes."""
    if _fast_test is not None:
        raise RuntimeError(f"{_fast_test} starts {what} but is not a stack test: use a fixture of "
                           "tests/layers.py STACK_FIXTURES, or mark the test @pytest.mark.stack")
    starts[what] += 1


_start_anvil = registry.devchain.start_anvil


def _counted_start_anvil(*args: Any, **kwargs: Any) -> Any:
    starting("anvil")
    return _start_anvil(*args, **kwargs)


# Test modules import start_anvil from registry.devchain after this (conftest imports this module first).
registry.devchain.start_anvil = _counted_start_anvil
