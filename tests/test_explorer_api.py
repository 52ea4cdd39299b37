"""The explorer as the API serves it, over real HTTP, without a browser: its pages and files are served at /
by the API process itself, the JSON API under /v1 is untouched, and nothing reaches outside its folder."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "api" / "web"
ASSET = "0x" + "ab" * 32
ADDRESS = "0x" + "12" * 20


@pytest.mark.parametrize("path", ["/", "/search?q=交通", f"/assets/{ASSET}", f"/assets/{ASSET}/history?page=3",
                                  f"/assets/{ASSET}/lineage", f"/parties/{ADDRESS}", "/verify", "/status"])
def test_every_client_route_is_the_single_page(stack, path):
    response = stack.http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == (WEB / "index.html").read_text(encoding="utf-8")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_static_files_are_served_from_the_package(stack):
    for path in sorted(WEB.iterdir()):
        response = stack.http.get(f"/static/{path.name}")
        assert response.status_code == 200, path.name
        assert response.content == path.read_bytes()
    assert stack.http.get("/static/app.js").headers["content-type"].startswith(("text/javascript",
                                                                                "application/javascript"))
    assert stack.http.get("/static/style.css").headers["content-type"].startswith("text/css")


def test_what_index_html_loads_exists(stack):
    html = (WEB / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert stack.http.get(ref).status_code == 200, ref
    modules = set()
    for path in WEB.glob("*.js"):
        modules |= set(re.findall(r'from "\./([\w.]+)"', path.read_text(encoding="utf-8")))
    assert modules and all((WEB / m).exists() for m in modules), modules


@pytest.mark.parametrize("path", ["/static/../main.py", "/static/%2e%2e/main.py", "/static/..%2fmain.py",
                                  "/static/nope.js"])
def test_nothing_outside_the_web_folder(stack, path):
    response = stack.http.get(path)
    assert response.status_code == 404
    assert "create_app" not in response.text


def test_the_json_api_is_untouched(stack):
    response = stack.http.get(f"/v1/assets/{ASSET}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert stack.http.get("/v1/status").json()["chain_id"] == 31337
    unknown = stack.http.get("/no/such/page")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/json")
    paths = stack.http.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith(("/assets", "/parties", "/static")) for p in paths)
    assert "certificate" in {p["name"] for p in paths["/v1/registrations"]["get"]["parameters"]}
