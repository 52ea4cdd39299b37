"""How deep a JSON text nests, measured on its bytes before anything decodes it.

The JSON decoder recurses once per level, and py_ecc (imported with web3 and eth_account) raises Python's
recursion limit to 100,000, so a document of 100,000 brackets exhausts the C stack and kills the process
instead of raising RecursionError. Every JSON a client or the content store can supply is measured here first:
the API's request bodies (api/limits.py), metadata documents, and documents the indexer reads from the store.
"""
from __future__ import annotations

import json
import re
from typing import Any

#: Deeper than any document the registry takes (a metadata document nests 4 levels, a request body 5).
MAX_DEPTH = 32

_STRUCTURAL = re.compile(rb'["\[\]{}]')  # outside a string, only these change the nesting
_IN_STRING = re.compile(rb'["\\]')  # inside one, only the closing quote and escapes matter


class JsonDepthScanner:
    """The nesting depth of a JSON text, measured on its raw bytes as they arrive, chunk by chunk, without
    decoding it and without recursion: brackets inside strings do not count, escaped quotes do not end them.
    Malformed JSON is left for the decoder to refuse; this only bounds how deep the decoder would go."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.depth = 0
        self.in_string = False
        self.escaped = False  # the previous chunk ended with a backslash inside a string

    def feed(self, chunk: bytes) -> bool:
        """Scans the next bytes; False as soon as the nesting passes `max_depth`."""
        i, n = 0, len(chunk)
        if self.escaped and n:
            i, self.escaped = 1, False
        while i < n:
            if self.in_string:
                match = _IN_STRING.search(chunk, i)
                if match is None:
                    return True
                if chunk[match.start()] == 0x5C:  # a backslash: the next byte is escaped, whatever it is
                    if match.end() >= n:
                        self.escaped = True
                        return True
                    i = match.end() + 1
                    continue
                self.in_string = False
                i = match.end()
                continue
            match = _STRUCTURAL.search(chunk, i)
            if match is None:
                return True
            byte = chunk[match.start()]
            if byte == 0x22:  # "
                self.in_string = True
            elif byte in (0x5B, 0x7B):  # [ {
                self.depth += 1
                if self.depth > self.max_depth:
                    return False
            else:
                self.depth = max(0, self.depth - 1)
            i = match.end()
        return True


def too_deep(data: bytes | str, max_depth: int = MAX_DEPTH) -> bool:
    return not JsonDepthScanner(max_depth).feed(data.encode() if isinstance(data, str) else data)


def loads(data: bytes | str, max_depth: int = MAX_DEPTH, **options: Any) -> Any:
    """json.loads, refusing (ValueError) a text nested deeper than `max_depth` before decoding it."""
    if too_deep(data, max_depth):
        raise ValueError(f"the JSON nests arrays or objects more than {max_depth} levels deep")
    return json.loads(data, **options)
