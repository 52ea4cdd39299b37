"""A fresh clone stays clean after `make build` (issue 18): `npm ci` installs exactly the committed lock, which
must therefore list every platform's optional package (else `npm install` rewrote it, +180 lines), and every
file the build writes is ignored by git. Checked on the files, with no network and no build: the full
`git clone && make build && git status --porcelain` takes minutes of npm downloads and compilation. The
committed ABIs are checked against the build by tests/test_chain.py."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_lock_lists_every_optional_package_of_every_platform():
    """Failed before issue 18: the lock had only linux-amd64's anvil and cast and three of forge's five."""
    packages = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    missing = [f"{name} (optional for {path})"
               for path, package in packages.items()
               for name in package.get("optionalDependencies", {})
               if f"node_modules/{name}" not in packages]
    assert missing == []


def test_the_lock_matches_package_json():
    manifest = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert lock[""]["dependencies"] == manifest["dependencies"]
    for name, version in manifest["dependencies"].items():
        assert lock[f"node_modules/{name}"]["version"] == version


def test_make_installs_node_packages_with_npm_ci():
    """`npm install` may rewrite the lock; `npm ci` installs it as committed or fails."""
    makefile = (ROOT / "Makefile").read_text()
    assert "npm ci " in makefile and "npm install" not in makefile


def test_what_the_build_writes_is_ignored_by_git(tmp_path):
    # Asked of an empty repository with our .gitignore, as a fresh clone is: in a worktree, node_modules may be
    # a symbolic link, through which git will not look.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text((ROOT / ".gitignore").read_text())
    written = [".venv/x", "node_modules/x", "out/x", "cache/x", ".datareg/x", "registry/__pycache__/x.pyc"]
    ignored = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", "--no-index", *written],
                             capture_output=True, text=True).stdout.split()
    assert sorted(ignored) == sorted(written)
