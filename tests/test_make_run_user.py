"""`make run` works for a user who is not root (issue 18: it used to run `apt-get install`).

A copy of the tree (the files git knows, as a clone has them) goes to a temporary directory owned by a test user
(`datareg-test`, created with useradd when the tests run as root; the current user otherwise), and that user
runs `make run` there, on free ports (DATAREG_RPC_URL, DATAREG_API_URL), until the API answers /v1/status.

What `make install` would download is taken from this checkout instead, to keep it fast and offline: the
virtualenv and node_modules are hard-linked copies (root's files, which the test user can read but not write;
so nothing `make run` does may write there), with the virtualenv's editable install pointed at the copy, and
out/ and cache/ are copied so forge builds incrementally. `make`'s install stamps are kept newer than the
manifests, as after a finished `make install`; everything else (`forge build`, the ABIs, anvil, the deployment,
the indexer, the API, the samples) runs as the test user.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from registry.devchain import free_port

ROOT = Path(__file__).resolve().parents[1]
USER = "datareg-test"
pytestmark = pytest.mark.stack


def _sbin(program: str) -> str:
    return shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin") or program


def _test_user() -> str:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run([_sbin("useradd"), "--system", "--no-create-home", "--shell", "/bin/sh", USER], check=True)
    return USER


def _copy_tree(dest: Path) -> None:
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in files:
        source = ROOT / name
        if not name or name.split("/")[0] in (".venv", "node_modules") or not source.is_file():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest / name)
    for name in ("out", "cache"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, symlinks=True)


def _link_installed(dest: Path) -> None:
    """The virtualenv and node_modules as hard links (read-only for the test user), the editable install of the
    package pointed at the copy, the install stamps newer than the manifests."""
    for name in (".venv", "node_modules"):
        subprocess.run(["cp", "-al", str((ROOT / name).resolve()), str(dest / name)], check=True)
    # The virtualenv's interpreter is this machine's python3 of the same minor version (the checkout's may live
    # where the test user cannot read, such as root's pyenv): same packages, its own pyvenv.cfg.
    system_python = Path(shutil.which("python3.11", path="/usr/local/bin:/usr/bin") or "/usr/bin/python3.11")
    for name in ("python", "python3", "python3.11"):
        (dest / ".venv" / "bin" / name).unlink(missing_ok=True)
        (dest / ".venv" / "bin" / name).symlink_to(system_python)
    config = dest / ".venv" / "pyvenv.cfg"
    config.unlink()
    config.write_text(f"home = {system_python.parent}\ninclude-system-site-packages = false\nversion = 3.11\n")
    for finder in (dest / ".venv").glob("lib/python*/site-packages/__editable___datareg_*_finder.py"):
        text = finder.read_text()
        installed_from = str((ROOT / ".venv").resolve().parent)
        finder.unlink()  # a hard link: write a new file, never into the shared one
        finder.write_text(text.replace(f"'{installed_from}/", f"'{dest}/"))
    old = time.time() - 86_400
    for manifest in ("pyproject.toml", "package.json", "package-lock.json"):
        os.utime(dest / manifest, (old, old))


@pytest.mark.skipif(not shutil.which("make") or not Path("/usr/bin/python3.11").exists(),
                    reason="needs make and a python3.11 the test user can run")
def test_make_run_as_a_user_who_is_not_root():
    user = _test_user()
    account = pwd.getpwnam(user)
    assert account.pw_uid != 0
    base = Path(tempfile.mkdtemp(prefix="datareg-make-run-"))
    dest = base / "datareg"
    started = time.monotonic()
    process = None
    try:
        dest.mkdir()
        _copy_tree(dest)
        for path in [base, *dest.rglob("*")]:
            if path.is_symlink() or path.relative_to(base).parts[1:2] in ((".venv",), ("node_modules",)):
                continue
            os.chown(path, account.pw_uid, account.pw_gid)
        os.chown(dest, account.pw_uid, account.pw_gid)
        _link_installed(dest)
        copied = time.monotonic() - started

        api_url = f"http://127.0.0.1:{free_port()}"
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(base), "LANG": "C.UTF-8",
               "DATAREG_API_URL": api_url, "DATAREG_RPC_URL": f"http://127.0.0.1:{free_port()}"}
        command = ["make", "run"]
        if os.geteuid() == 0:
            command = [_sbin("runuser"), "-u", user, "--", "env", *(f"{k}={v}" for k, v in env.items()), *command]
        log = open(base / "make-run.log", "wb")  # noqa: SIM115 - the process writes to it
        process = subprocess.Popen(command, cwd=dest, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(f"{api_url}/v1/status", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            output = (base / "make-run.log").read_text(errors="replace")
            assert process.poll() is None, f"make run stopped (exit {process.returncode}):\n{output[-4000:]}"
            assert time.monotonic() < deadline, f"the API did not answer within 600 s:\n{output[-4000:]}"
            time.sleep(1)
        reached = time.monotonic() - started
        output = (base / "make-run.log").read_text(errors="replace")
        assert "apt-get" not in output and "sudo" not in output
        # Everything make run wrote belongs to the test user.
        written = [dest / ".datareg" / "deployment.json", dest / "out"]
        assert all(p.stat().st_uid == account.pw_uid for p in written)
        print(f"make run as {user}: tree copied in {copied:.1f} s, API answering after {reached:.1f} s")
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        _stop_started_from(dest)
        shutil.rmtree(base, ignore_errors=True)


def _started_from(tree: Path) -> list[int]:
    """Processes whose command runs from `tree` (this test's own temporary copy): anvil, the indexer, the API
    and run_local.py, each in a session of its own, which the signal to make's process group does not reach."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(tree).encode() + b"/" in command:
                found.append(int(entry.name))
    return found


def _stop_started_from(tree: Path, timeout: float = 60) -> None:
    """Waits for run_local.py to stop what it started (it does on SIGTERM), then stops whatever is left."""
    deadline = time.monotonic() + timeout
    while _started_from(tree) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in _started_from(tree):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
