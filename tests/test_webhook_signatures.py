"""Webhooks without a stack: the README's verification example accepts what the deliverer signs and nothing else,
the retry schedule, and the URL an exchange may register."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from api import webhooks
from api.routes.webhooks import WebhookCreate

ROOT = Path(__file__).resolve().parents[1]


def readme_verify():
    """The README's Python verification example, as printed."""
    text = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"^```python\n(.*?)^```", text, re.M | re.S) if "def verify" in b]
    assert len(blocks) == 1, "the README has one webhook verification example"
    assert len(blocks[0].strip().splitlines()) == 5
    namespace: dict = {}
    exec(blocks[0], namespace)  # noqa: S102 - our own README
    return namespace["verify"]


def test_the_readme_example_verifies_what_the_deliverer_signs():
    verify = readme_verify()
    secret, body = "whsec_" + "ab" * 32, b'{"cursor":"12.0.0.abcdef0123","change":"listed"}'
    header = webhooks.signature(secret, int(time.time()), body)
    assert verify(secret, header, body)
    assert webhooks.verify_signature(secret, header, body)
    assert not verify("whsec_other", header, body)
    assert not verify(secret, header, body + b" ")
    stale = webhooks.signature(secret, int(time.time()) - 3_600, body)
    assert not verify(secret, stale, body) and not webhooks.verify_signature(secret, stale, body)
    t, mac = header.split(",")
    assert t.startswith("t=") and re.fullmatch(r"v1=[0-9a-f]{64}", mac)


def test_retries_back_off_exponentially_to_a_cap(monkeypatch):
    assert [webhooks.backoff(n) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert webhooks.backoff(10_000) == 300
    monkeypatch.setenv("DATAREG_WEBHOOK_BACKOFF_CAP", "3")
    assert webhooks.backoff(5) == 3
    monkeypatch.delenv("DATAREG_WEBHOOK_RETRY_SECONDS", raising=False)
    assert webhooks.retry_seconds() == 86_400  # 24 h unless configured


@pytest.mark.parametrize("url", ["ftp://a.example/hook", "a.example/hook", "https://", "http://u:p@a.example/",
                                 "https://a.example/a b", "javascript:alert(1)", ""])
def test_a_bad_url_is_refused(url):
    with pytest.raises(ValidationError):
        WebhookCreate(url=url)


def test_a_good_url_is_kept():
    assert WebhookCreate(url=" https://exchange.example:8443/hooks/datareg?x=1 ").url == \
        "https://exchange.example:8443/hooks/datareg?x=1"
