"""CIDs as the registry uses them: the Qm… (CIDv0) text printed by `ipfs add`, and the 32-byte digest the chain stores.

Only CIDs of dag-pb blocks hashed with sha2-256 are accepted, because those are the only ones whose digest alone
is enough to rebuild the CID: a CIDv0 is exactly base58btc(0x12 0x20 <digest>). CIDv1 strings of the same
content (`bafy…`, base32, dag-pb, sha2-256) are accepted on input and mapped to the same digest.
"""
from __future__ import annotations

import base64
import binascii
import functools

from registry.errors import ContentError, ValidationError

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: index for index, char in enumerate(_B58_ALPHABET)}
_B58_TABLE = bytes(_B58_INDEX.get(chr(code), 255) for code in range(256))

#: multihash header of a sha2-256 digest: function code 0x12, length 32.
_SHA256_MULTIHASH_PREFIX = b"\x12\x20"
#: CIDv1 header for dag-pb content (version 1, codec 0x70) followed by the sha2-256 multihash header.
_CIDV1_DAG_PB_SHA256_PREFIX = b"\x01\x70" + _SHA256_MULTIHASH_PREFIX

_HOW_TO_FIX = "Use the Qm… form printed by `ipfs add` or `datareg fingerprint`."


class InvalidCid(ContentError, ValidationError):
    """A string that is not a CID the registry can anchor.

    It is both a ContentError (it concerns content addressing) and a ValidationError (it is malformed input,
    refused before anything is sent), so callers that catch either see it; its code is the validation one.
    """

    code = ValidationError.code


# Two base58 digits at a time: half the big-number divisions (the indexer makes two CIDs per asset).
_B58_PAIRS = [a + b for a in _B58_ALPHABET for b in _B58_ALPHABET]


def b58encode(data: bytes) -> str:
    """Encode bytes in base58btc (Bitcoin alphabet), keeping leading zero bytes as leading '1's."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    pairs = []
    while number:
        number, remainder = divmod(number, 58 * 58)
        pairs.append(_B58_PAIRS[remainder])
    return "1" * zeros + "".join(reversed(pairs)).lstrip("1")


def b58decode(text: str) -> bytes:
    """Decode base58btc text; raises InvalidCid naming the first character outside the alphabet."""
    # Each character's digit value in one C-level pass; 255 marks a character outside the alphabet.
    values = text.encode("utf-8").translate(_B58_TABLE) if text.isascii() else None
    if values is None or 255 in values:
        position = next(i for i, char in enumerate(text) if char not in _B58_INDEX)
        raise InvalidCid(
            f"'{text}' is not valid base58: character {text[position]!r} at position {position} is not in the "
            f"base58btc alphabet (0, O, I and l never appear). {_HOW_TO_FIX}"
        )
    number = 0
    for value in values:
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * zeros + body


def digest_to_cid(digest: bytes) -> str:
    """The CIDv0 (Qm…) of a dag-pb block whose sha2-256 digest is `digest`; inverse of cid_to_digest."""
    if len(digest) != 32:
        raise ValidationError(
            f"A sha2-256 digest is 32 bytes, got {len(digest)} bytes ('0x{bytes(digest).hex()}'). "
            "Pass the 32-byte value stored on chain, not its hex text."
        )
    return _cid_of(bytes(digest))


# Remembered: the same documents (licence terms, evidence) are named in event after event of a history page, and
# each base58 encoding is a long division in Python.
@functools.lru_cache(maxsize=16_384)
def _cid_of(digest: bytes) -> str:
    cid = b58encode(_SHA256_MULTIHASH_PREFIX + digest)
    # The indexer names each new asset's document by the CID made here and the content store decodes that CID
    # straight back (for its shard): the pair is kept, so that decoding is a lookup, not a second long division.
    if len(_DIGEST_OF) >= 16_384:
        _DIGEST_OF.clear()
    _DIGEST_OF[cid] = digest
    return cid


_DIGEST_OF: dict[str, bytes] = {}  # CIDv0 text -> digest, for CIDs _cid_of made


def cid_to_digest(cid: str) -> bytes:
    """The 32-byte sha2-256 digest inside a CIDv0 (Qm…) or a base32 CIDv1 of dag-pb content (bafy…)."""
    if not isinstance(cid, str):
        raise InvalidCid(f"A CID is text, got {type(cid).__name__} '{cid!r}'. {_HOW_TO_FIX}")
    text = cid.strip()
    if not text:
        raise InvalidCid(f"'{cid}' is not a CID: it is empty. {_HOW_TO_FIX}")
    if text.startswith("Qm"):
        return _cidv0_digest(cid, text)
    if text.startswith("b"):
        return _cidv1_digest(cid, text)
    raise InvalidCid(
        f"'{cid}' is not a CID the registry accepts: it should start with 'Qm' (CIDv0) or 'bafy' "
        f"(CIDv1, base32). {_HOW_TO_FIX}"
    )


def is_cid(text: object) -> bool:
    """Whether `text` is a CID cid_to_digest accepts (never raises)."""
    if not isinstance(text, str):
        return False
    try:
        cid_to_digest(text)
    except InvalidCid:
        return False
    return True


def _cidv0_digest(cid: str, text: str) -> bytes:
    known = _DIGEST_OF.get(text)
    if known is not None:
        return known
    if len(text) != 46:
        raise InvalidCid(
            f"'{cid}' is not a CID: a CIDv0 is 46 characters long, this one has {len(text)}. "
            f"Check it was copied whole. {_HOW_TO_FIX}"
        )
    raw = b58decode(text)
    # 46-character 'Qm…' strings span more numbers than sha2-256 multihashes do ('Qm111…' decodes to 0x121e…,
    # 'Qmzzz…' to 0x1222…), so a typo can still look like a CIDv0: check the header rather than trust the prefix.
    if len(raw) != 34 or not raw.startswith(_SHA256_MULTIHASH_PREFIX):
        raise InvalidCid(
            f"'{cid}' is not a CID: it does not decode to a sha2-256 multihash. {_HOW_TO_FIX}"
        )
    return raw[2:]


def _cidv1_digest(cid: str, text: str) -> bytes:
    # Multibase 'b' is lower-case RFC 4648 base32 without padding.
    body = text[1:]
    try:
        raw = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
    except binascii.Error as exc:
        raise InvalidCid(
            f"'{cid}' is not a CID: its base32 body does not decode ({exc}). {_HOW_TO_FIX}"
        ) from exc
    if not raw.startswith(b"\x01"):
        raise InvalidCid(
            f"'{cid}' is not a CID: after the multibase prefix 'b' it should start with version 1. {_HOW_TO_FIX}"
        )
    if len(raw) != 36 or not raw.startswith(_CIDV1_DAG_PB_SHA256_PREFIX):
        raise InvalidCid(
            f"'{cid}' is a CIDv1 of something other than dag-pb content hashed with sha2-256 (a raw-leaves or "
            f"non-default `ipfs add`), which the chain cannot store as a digest. Add the file with Kubo's "
            f"defaults instead. {_HOW_TO_FIX}"
        )
    return raw[4:]
