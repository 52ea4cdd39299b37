"""The API as `datareg api` serves it: the HTTP app (api/) given the indexer's as-of view of an asset, which it
needs for confirmed-only answers. Built here, where both are known, so that the API never imports the indexer
(and the store never imports either)."""
from __future__ import annotations

from fastapi import FastAPI

from api.main import create_app as create_api
from registry.config import Settings
from registry.content.store import open_store
from registry.indexer.as_of import reader


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    return create_api(settings, as_of=reader(open_store(settings)))
