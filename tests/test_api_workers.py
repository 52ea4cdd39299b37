"""`datareg api --workers N`: several uvicorn worker processes behind one listening socket, answering on
kept-alive connections without Nagle's delay (uvicorn's own socket for workers loses TCP_NODELAY)."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from registry.cli.main import build_parser
from registry.devchain import free_port

REPO = Path(__file__).resolve().parents[1]


def test_workers_must_be_a_positive_number(capsys) -> None:
    assert build_parser().parse_args(["api"]).workers == 1
    assert build_parser().parse_args(["api", "--workers", "3"]).workers == 3
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["api", "--workers", bad])
    assert "--workers" in capsys.readouterr().err


def test_two_workers_answer_kept_alive_connections_without_delay(tmp_path: Path) -> None:
    deployment = tmp_path / "deployment.json"
    deployment.write_text(json.dumps({"chain_id": 31337, "deploy_block": 0, "contracts": {
        "DataRegistry": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}}))
    port = free_port()
    env = {**os.environ, "DATAREG_DATA_DIR": str(tmp_path), "DATAREG_DEPLOYMENT": str(deployment),
           "DATAREG_DATABASE_URL": f"sqlite:///{tmp_path / 'index.db'}",
           "DATAREG_RPC_URL": "http://127.0.0.1:9"}  # the routes asked for never call the node
    with open(tmp_path / "api.log", "wb") as log:
        api = subprocess.Popen([sys.executable, "-m", "registry.cli.main", "api", "--port", str(port),
                                "--workers", "2"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert api.poll() is None, (tmp_path / "api.log").read_text()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/v1/participants")
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    break
            except OSError:
                connection.close()
            assert time.monotonic() < deadline, (tmp_path / "api.log").read_text()
            time.sleep(0.2)
        # One connection, kept alive: with Nagle's algorithm on, each answer after the first waited for the
        # client's delayed ACK (40 ms or more on Linux) between its headers and its body. That delay is a
        # duration, measured by scripts/bench_queries.py (`--workers 2`), not asserted here.
        for _ in range(15):
            connection.request("GET", "/v1/participants")
            response = connection.getresponse()
            assert response.status == 200
            response.read()
        connection.close()
    finally:
        api.terminate()
        try:
            api.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(api.pid, 9)  # the supervisor and its workers: their own process group
            api.wait()
