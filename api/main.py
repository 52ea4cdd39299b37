"""The HTTP API: FastAPI app over the index, the content store and the chain. OpenAPI at /docs."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, limits
from api.deps import Services
from api.routes import (
    assets,
    authorisations,
    content,
    finance,
    history,
    listings,
    names,
    participants,
    recognitions,
    registrations,
    rights,
    status,
    trades,
    transactions,
    verify,
    vocabulary,
    web,
    webhooks,
)
from api.webhooks import Deliverer
from registry import calendar
from registry.config import Settings
from registry.db.as_of import AsOfReader
from registry.db.session import create_schema
from registry.heap import freeze_startup_objects


def create_app(settings: Settings | None = None, as_of: AsOfReader | None = None) -> FastAPI:
    """The app over `settings` (default: from the environment). `as_of` is the indexer's view of an asset after
    an earlier block, for confirmed-only answers; registry/cli/serve.py builds the app with it."""
    services = Services.from_settings(settings or Settings.from_env(), as_of)
    calendar.load()  # a malformed DATAREG_CALENDAR stops the API here, not at a request
    create_schema(services.engine)
    deliverer = Deliverer(services.engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Relays left pending by an earlier life of this or another instance are followed on at once by the
        # instance that holds the follower's lock.
        if services.relays is not None:
            services.relays.start()
        # Webhook delivery (api/webhooks.py): the instance that holds the deliverer's lock delivers.
        deliverer.start()
        yield
        deliverer.close()
        # The relayer's monitor thread follows sent transactions; it stops with the app, not with the process,
        # so that an app shut down in a process that lives on (tests, an embedding) leaves no thread behind.
        if services.relays is not None:
            services.relays.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Data asset registry",
        version="0.1.0",
        description=(
            "Data assets and the three separated rights over them (持有权, 使用权, 经营权), mirrored from the "
            "chain. Every answer carries the evidence to check it against the chain. Writes are accepted only "
            "as payloads signed by their authors: this service holds no user keys."
        ),
    )
    app.state.services = services
    app.state.webhooks = deliverer
    errors.install(app)
    # Body size, write rate per client (shared by every instance on a PostgreSQL index), CORS (api/limits.py).
    limits.install(app, engine=services.engine)
    for module in (status, assets, rights, history, listings, registrations, participants, names, content,
                   transactions, trades, verify, vocabulary, webhooks, finance, recognitions,
                   authorisations):
        app.include_router(module.router)
    web.install(app)  # the explorer at /, after the API so /v1/... is never shadowed
    freeze_startup_objects()  # after the app, its schemas and the ABIs are built (registry/heap.py)
    return app
