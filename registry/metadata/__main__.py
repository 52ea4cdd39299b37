"""Regenerate the published JSON Schema: `python -m registry.metadata` writes schema.json; `--check` only compares."""
from __future__ import annotations

import sys

from registry.metadata.schema import SCHEMA_PATH, schema_file_text


def main(argv: list[str]) -> int:
    text = schema_file_text()
    if "--check" in argv:
        if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text(encoding="utf-8") != text:
            print(f"{SCHEMA_PATH} is out of date; run `python -m registry.metadata` to regenerate it.", file=sys.stderr)
            return 1
        print(f"{SCHEMA_PATH} is up to date.")
        return 0
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"Wrote {SCHEMA_PATH}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
