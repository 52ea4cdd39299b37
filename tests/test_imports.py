"""The layering of the code, read from its imports (ast, no process): the store never imports the indexer, the API
never imports the indexer or the development harness, route modules do not import each other, and the
vocabulary stands on its own. `python -m pytest tests/test_imports.py` shows any arrow that breaks a rule."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (imports inside functions count too), as dotted names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def breaks(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {name}" for path in files(folder) for name in sorted(imports_of(path))
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


RULES = {
    # The store (registry/db) is read and written by others; it knows no reader or writer of its own.
    "registry/db": ("registry.indexer", "registry.devchain", "registry.cli", "api"),
    # The API reads the store; only the indexer writes the index, and the development harness is not production.
    "api": ("registry.indexer", "registry.devchain", "registry.cli"),
    # The vocabulary is what everything else imports: it imports nothing of the registry but its errors.
    "registry/vocabulary.py": ("registry.chain", "registry.db", "registry.indexer", "registry.metadata", "api"),
    # The read-side rules judge rows they are given, at a moment they are given: no queries, no clock.
    "registry/rules.py": ("registry.db.queries", "registry.db.session", "registry.db.listings",
                          "registry.db.registration", "registry.indexer", "api", "time", "sqlmodel", "sqlalchemy"),
}


@pytest.mark.parametrize("folder", sorted(RULES))
def test_no_forbidden_import(folder):
    if folder.endswith(".py"):
        found = [f"{folder} imports {name}" for name in sorted(imports_of(ROOT / folder))
                 if any(name == f or name.startswith(f + ".") for f in RULES[folder])]
    else:
        found = breaks(folder, RULES[folder])
    assert not found, "\n".join(found)


def test_route_modules_do_not_import_each_other():
    """Response builders live in api/views (beside the schemas), not in routes: a route module imports none."""
    found = [f"{path.relative_to(ROOT)} imports {name}" for path in files("api/routes")
             for name in sorted(imports_of(path)) if name.startswith("api.routes")]
    assert not found, "\n".join(found)


def test_the_rules_see_imports():
    """The walker finds imports at all, including one inside a function (a broken walker would pass everything)."""
    assert "registry.indexer.as_of.reader" in imports_of(ROOT / "registry" / "cli" / "serve.py")
    assert "registry.indexer.service" in imports_of(ROOT / "registry" / "cli" / "main.py")
