"""Writes: the API never holds a user's key. It forwards transactions the user signed, or relays
operations the user signed as EIP-712 typed data (paying the gas with its own relayer key)."""
from __future__ import annotations

import os
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from api.errors import body_for
from api.schemas import RelayStatus, TransactionResult
from registry.chain.client import TxResult
from registry.chain.operations import OPERATIONS, Forward
from registry.chain.relayer import DROPPED, FAILED, MINED, PENDING, RAW, Relay
from registry.chain.types import checksum
from registry.errors import ConfigurationError, NotFound, ValidationError

router = APIRouter(prefix="/v1", tags=["transactions"])
FORWARD_MAX_DEADLINE = 2 ** int(Forward.deadline_type.removeprefix("uint")) - 1  # the forwarder's uint48
# The operations this endpoint relays: those declared relayable in chain/operations.py.
RelayedOperation = Literal[tuple(OPERATIONS)]  # type: ignore[valid-type]


class RawTransaction(BaseModel):
    raw_transaction: str = Field(pattern=r"^0x[0-9a-fA-F]+$", max_length=262_144,
                                 description="A signed transaction calling the registry, as 0x hex.")


class SignedRequest(BaseModel):
    signer: str = Field(description="The party the operation acts for, who signed it (registrant, grantor or "
                        "holder).")
    deadline: int = Field(ge=0, le=2**256 - 1, description="Unix time after which the signature is refused "
                          "(for forward: at most 2^48 - 1, the forwarder's uint48).")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]*$", max_length=20_000)
    operation: dict[str, Any] = Field(
        description="The operation's fields. register: content_hash, content_cid, metadata_cid (0x bytes32), "
        "classification, attributes, sources [{asset_id, right_index}], holders [{account, kinds}]. grant: "
        "asset_id, parent_index, terms {grantee, valid_from, valid_until, sub_grantable, transferable, purpose, "
        "territory, quantity, terms_cid}. transfer: asset_id, right_index, to. revoke: asset_id, right_index, "
        "reason_code, evidence_cid. renew: asset_id, right_index, valid_until."
    )


def _result(result: TxResult) -> TransactionResult:
    return TransactionResult(
        tx_hash=result.tx_hash,
        block_number=result.block_number,
        block_hash=result.block_hash,
        gas_used=result.gas_used,
        asset_ids=result.asset_ids,
        events=[{"name": e.name, "log_index": e.log_index, "args": e.args} for e in result.events],
    )


#: Seconds a write waits for its transaction to be mined before answering 202 with an id to follow; default 30.
RELAY_WAIT = 30.0


def _wait_seconds() -> float:
    text = os.environ.get("DATAREG_RELAY_WAIT", "").strip()
    if not text:
        return RELAY_WAIT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ConfigurationError(f"DATAREG_RELAY_WAIT must be a number of seconds from 0 to 3600, got '{text}'.")
    return value


def _answer(sent: Relay):
    """The mined transaction (200), the contract's refusal, or, if it is not mined within the wait, 202 with the
    relay's id to follow at GET /v1/relay/{relay_id}: never a failure for what can still be mined."""
    if sent.settled.wait(_wait_seconds()):
        if sent.status == MINED:
            return _result(sent.result).model_copy(update={"relay_id": sent.id})
        raise sent.error  # refused by the contract when mined, or no longer possible: it will not be mined
    return JSONResponse(status_code=202, content=_relay_status(sent).model_dump())


_ACCEPTED = {202: {"model": RelayStatus, "description": "Sent and not mined yet: follow it at "
                   "GET /v1/relay/{relay_id}."}}


@router.post("/transactions", response_model=TransactionResult, summary="Send a transaction you signed",
             responses=_ACCEPTED)
def send_transaction(body: RawTransaction, services: ServicesDep):
    """Checks that the transaction calls the registry on this chain and would succeed (otherwise the
    contract's reason comes back as a 4xx and nothing is sent) and sends it. The answer is the mined
    transaction (200, with a `relay_id`), or, if it is not mined within 30 s, 202 with the `relay_id`: the API
    goes on following it (broadcasting it again if it waits too long or a reorg removes it) and
    GET /v1/relay/{relay_id} tells how it ends."""
    try:
        raw = bytes.fromhex(body.raw_transaction[2:])
    except ValueError:
        raise ValidationError("'raw_transaction' must be an even number of hex digits after 0x.") from None
    if services.relays is None:
        return _result(services.client.send_raw_transaction(raw))
    sender, target = services.client.check_raw_transaction(raw)
    return _answer(services.relays.forward(raw, sender, target))


@router.post("/relay/{operation}", response_model=TransactionResult, summary="Relay a signed operation",
             responses=_ACCEPTED)
def relay(operation: RelayedOperation, body: SignedRequest,  # type: ignore[valid-type]
          services: ServicesDep):
    """Submits an operation its party signed as EIP-712 typed data (`Register`, `Grant`, `Transfer`,
    `Revoke`, `Renew`, or, for any other operation of the registry's contracts, the forwarder's
    `ForwardRequest` with fields to, data, gas); the signer needs no gas. A forged, expired or replayed signature,
    or an operation the contract would refuse, is refused before anything is sent. Once sent, the answer is the
    mined transaction (200), or, if it is not mined within 30 s, 202 with the relay's id: the relayer goes on
    following it (sending it again if needed) and GET /v1/relay/{relay_id} tells how it ends."""
    if services.relays is None or services.relayer is None:
        raise ConfigurationError("This API does not relay signatures: set DATAREG_RELAYER_KEY to enable it.")
    try:
        signature = bytes.fromhex(body.signature[2:])
    except ValueError:
        raise ValidationError("'signature' must be an even number of hex digits after 0x.") from None
    if operation == "forward" and body.deadline > FORWARD_MAX_DEADLINE:
        raise ValidationError(f"'deadline' must be at most {FORWARD_MAX_DEADLINE} for forward (the forwarder's "
                              f"uint48), got {body.deadline}.", [{"field": "deadline", "message": "at most 2^48 - 1"}])
    parsed = OPERATIONS[operation].from_json(body.operation)
    signer = checksum(body.signer, "signer")
    call = services.client.relay_call(parsed, signer, body.deadline, signature)
    return _answer(services.relays.submit(call, operation, signer))


@router.get("/relay/{relay_id}", response_model=RelayStatus, summary="How a relayed or forwarded transaction stands")
def relay_status(relay_id: str, services: ServicesDep) -> RelayStatus:
    """pending, mined (block and transaction), failed or dropped, with the reason, for an id answered by
    POST /v1/relay/{operation} or POST /v1/transactions. Every API instance on the same index database answers
    for every relay, also after a restart."""
    sent = services.relays.get(relay_id) if services.relays is not None else None
    if sent is None:
        raise NotFound(f"No relay '{relay_id}' is known to this API. Relay ids are answered by POST "
                       "/v1/relay/{operation} and POST /v1/transactions.")
    return _relay_status(sent)


def _relay_status(sent: Relay) -> RelayStatus:
    result = sent.result
    messages = {
        PENDING: f"Sent as transaction {sent.tx_hash}, not mined yet; the relayer follows it and sends it again "
                 "if it waits too long or a reorg removes it." if sent.kind != RAW else
                 f"Sent as transaction {sent.tx_hash}, not mined yet; the API follows it and broadcasts it again "
                 "if it waits too long or a reorg removes it.",
        MINED: f"Mined in block {result.block_number} as transaction {result.tx_hash}." if result else "",
        FAILED: f"Mined, and refused by the contract: {sent.error}",
        DROPPED: f"It can no longer be carried out, and will not be mined: {sent.error}",
    }
    return RelayStatus(
        relay_id=sent.id, operation=sent.operation, signer=sent.signer, status=sent.status, tx_hash=sent.tx_hash,
        tx_hashes=list(sent.tx_hashes), block_number=result.block_number if result else None,
        block_hash=result.block_hash if result else None, gas_used=result.gas_used if result else None,
        asset_ids=result.asset_ids if result else [],
        events=[{"name": e.name, "log_index": e.log_index, "args": e.args} for e in result.events] if result else [],
        error=body_for(sent.error) if sent.error is not None else None,
        message=messages[sent.status],
    )
