"""What the routes share: the services the app was built with, and a database session per request."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from registry.chain import read_request
from registry.chain.client import Chain, RegistryClient
from registry.chain.relayer import Relayer
from registry.chain.types import asset_id_hex
from registry.config import Deployment, Settings
from registry.content.private import EncryptedContentStore, open_private_store
from registry.content.store import ContentStore, open_store
from registry.db.as_of import AsOfReader, AssetAsOf
from registry.db.models import Asset
from registry.db.session import make_engine
from registry.errors import AccessDenied, AuthenticationRequired, ConfigurationError, NotFound

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    deployment: Deployment
    chain: Chain
    client: RegistryClient
    store: ContentStore
    # The API's own key, used only to pay gas for signatures it relays; never a user's key.
    relayer: LocalAccount | None
    # An asset as it stood after a block, for confirmed-only answers: the indexer's replay of its events, handed
    # in by whoever builds the app (registry/cli/serve.py), so that the API never imports the indexer.
    as_of: AsOfReader
    # Sends relayed transactions (with `relayer`) and follows them and forwarded ones, in the relays table shared
    # by every API instance (registry/chain/relayer.py).
    relays: Relayer | None = None
    # Application documents and objection evidence, encrypted at rest, never on IPFS (registry/content/private.py).
    private_store: EncryptedContentStore | None = None
    # The signed read requests answered in this process, each once (registry/chain/read_request.py).
    read_replay: read_request.ReplayGuard = field(default_factory=read_request.ReplayGuard)

    @classmethod
    def from_settings(cls, settings: Settings, as_of: AsOfReader | None = None) -> "Services":
        deployment = Deployment.load(settings.deployment_file)
        chain = Chain(settings.rpc_url, deployment)
        relayer_key = settings.relayer_key_for(deployment.chain_id)
        relayer = Account.from_key(relayer_key) if relayer_key else None
        client = RegistryClient(chain)
        engine = make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            deployment=deployment,
            chain=chain,
            client=client,
            store=open_store(settings),
            relayer=relayer,
            as_of=as_of or _no_as_of,
            # Also without a relayer key: forwarded transactions are followed the same way.
            relays=Relayer(client, relayer, engine),
            private_store=open_private_store(settings.data_dir, settings.content_key),
        )


def _no_as_of(db: Session, asset_id: str, block: int) -> AssetAsOf:
    raise ConfigurationError("This API was built without the indexer's as-of view (registry.indexer.as_of.reader), "
                             "so it cannot answer for an asset as of an earlier block. Start it with `datareg api`.")


async def get_services(request: Request) -> Services:
    # Asynchronous: it only reads an attribute, and a plain function would cost a trip through the thread pool.
    return request.app.state.services


def get_session(services: Annotated[Services, Depends(get_services)]) -> Iterator[Session]:
    session = Session(services.engine)
    try:
        yield session
    finally:
        try:
            session.close()
        except SQLAlchemyError:
            # The database went away during the request (its answer, a 503, is already on its way): closing
            # rolls back on a dead connection, which the pool discards. Nothing more to do here.
            pass


async def in_session(services: Services, function: Callable[..., T], *args, **kwargs) -> T:
    """function(session, *args, **kwargs) in the thread pool, with a session of its own, in one trip: what a
    plain route with SessionDep does in four (the session opened, the route run, its answer checked, the
    session closed, each a trip through the thread pool, each waiting for the interpreter's lock while other
    requests hold it). For the routes most asked for."""
    def run() -> T:
        session = Session(services.engine)
        try:
            return function(session, *args, **kwargs)
        finally:
            try:
                session.close()
            except SQLAlchemyError:
                pass  # as in get_session: the database went away, and the answer already says so

    return await run_in_threadpool(run)


def load_asset(db: Session, asset_id: str) -> Asset:
    """The indexed asset, or a 404 that says what to check."""
    asset = db.get(Asset, asset_id_hex(asset_id))
    if asset is None:
        raise asset_not_found(asset_id)
    return asset


def asset_not_found(asset_id: str) -> NotFound:
    """The 404 for an asset id the index does not have (`asset_id` as the client gave it)."""
    return NotFound(
        f"No asset '{asset_id}' is in the index. Check the id, or wait a moment if it was just registered "
        "(GET /v1/status shows how far the index has got)."
    )


@dataclass(frozen=True)
class Reader:
    """Who is reading: the address a signed read request proved, or None (anonymous)."""

    address: str | None = None

    def refusal(self, what: str, who: str) -> Exception:
        """The error for a reader who may not read `what` (only `who` may): 401 saying how to prove who one is
        for an anonymous reader, 403 naming who may for a proven one."""
        if self.address is None:
            return AuthenticationRequired(
                f"{what[:1].upper() + what[1:]} can be read only by {who}. Prove who you are: sign a read request "
                f"for this method and path (EIP-712 ReadRequest in the registry's domain) and send it as "
                f"`Authorization: {read_request.SCHEME} <token>`; `datareg` does it with --key.")
        return AccessDenied(f"{self.address} may not read {what}: only {who} may.")


ANONYMOUS = Reader()


#: How the OpenAPI document describes the signed read request (the header is read by get_reader itself).
READ_REQUEST_HEADER = APIKeyHeader(
    name="Authorization", scheme_name=read_request.SCHEME, auto_error=False,
    description=f"`{read_request.SCHEME} <base64url of {{domain, message, signature}}>`: an EIP-712 ReadRequest "
                "(reader, resource = method and path, issuedAt, expiresAt, requestId) signed by the reader, in the "
                "registry's domain; optional: without it the answer is the public's (registry/chain/read_request.py)."
)


async def get_reader(request: Request, services: Annotated[Services, Depends(get_services)],
                     header: Annotated[str | None, Depends(READ_REQUEST_HEADER)] = None) -> Reader:
    """The reader a signed read request in the Authorization header proves (401 when it cannot be accepted:
    malformed, forged, expired, replayed, another domain or resource), or anonymous without one."""
    if not header:
        return ANONYMOUS
    resource = read_request.resource_of(request.method, request.url.path)
    deployment = services.deployment
    try:
        verified = await run_in_threadpool(read_request.verify, header, resource, deployment.chain_id,
                                           deployment.registry, int(time.time()), services.read_replay)
    except read_request.ReadRequestRefused as exc:
        raise AuthenticationRequired(str(exc), exc.code) from None
    return Reader(verified.reader)


ServicesDep = Annotated[Services, Depends(get_services)]
SessionDep = Annotated[Session, Depends(get_session)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
