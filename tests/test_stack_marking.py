"""The test layers themselves (tests/layers.py): a fast test cannot start a process unnoticed, and the tests
that start processes are the ones marked `stack`."""
from __future__ import annotations

import pytest

from tests import layers


def test_a_fast_test_that_starts_a_process_fails_saying_how_to_mark_it():
    before = dict(layers.starts)
    with pytest.raises(RuntimeError, match=r"test_stack_marking.py::.* starts anvil but is not a stack test"):
        layers.starting("anvil")
    assert dict(layers.starts) == before


def test_the_anvil_that_tests_import_is_the_counted_one():
    import registry.devchain
    from tests import faults

    assert registry.devchain.start_anvil is faults.start_anvil is layers._counted_start_anvil


# Samples, read by the test below and never run (outside it, so that the test's own source has no starter).
def _stack_fixture():
    with anvil_node() as node:  # noqa: F821
        yield node


def _cli_test():
    subprocess.run(["datareg", "--help"])  # noqa: F821


def _fast_fixture():
    return observe(make_anvil_node())  # noqa: F821 - names that only end like a starter's


def test_code_that_starts_processes_is_recognised_by_the_calls_it_makes():
    assert layers._starts_processes(_stack_fixture) and layers._starts_processes(_cli_test)
    assert not layers._starts_processes(_fast_fixture)
