"""The history's decoded content ids: the explorer links them as the API gives them and decodes nothing itself."""
from __future__ import annotations

from api.routes.history import _cids
from registry.content.cid import cid_to_digest


def test_every_cid_argument_is_decoded_at_any_depth_and_zero_digests_are_left_out():
    report = "QmNgFBpeKZjUxmJ6fiDhM57YaojGuc1xznsMM8z4dJwMgY"
    metadata = "QmPVGjYFugq4XUyBfoTHG6c3qxfBS26jEdaFM1gdAVuMZ2"
    args = {"metadataCid": "0x" + cid_to_digest(metadata).hex(), "terms": {"termsCid": "0x" + "00" * 32},
            "data": {"reportCid": "0x" + cid_to_digest(report).hex(), "currency": "0x434e59"},
            "contentHash": "0x" + "11" * 32, "note": "not a digest"}
    assert dict(_cids(args)) == {"metadataCid": metadata, "reportCid": report}
