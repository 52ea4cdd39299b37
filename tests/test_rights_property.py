"""Property: whatever sequence of grants, transfers, revocations, renewals, derivations and passing time
happens, the index agrees with the contract's own views after every step."""
from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from registry.chain.operations import (
    Grant,
    GrantTerms,
    Register,
    Renew,
    Revoke,
    Transfer,
)
from registry.chain.types import Source
from registry.errors import ContractRevert
from tests.conftest import random_registration

DAY = 86_400

step = st.tuples(
    st.sampled_from(["grant", "transfer", "revoke", "renew", "derive", "time"]),
    st.integers(0, 1000),  # which right
    st.integers(0, 3),  # which party
    st.integers(1, 40),  # days
)


def assert_index_matches_contract(s, asset_id: str) -> None:
    s.wait_block(s.client.w3.eth.block_number)
    indexed = {r["right_index"]: r for r in s.http.get(f"/v1/assets/{asset_id}/rights").json()["rights"]}
    on_chain = s.client.get_asset(asset_id)
    assert sorted(indexed) == sorted(
        i for i in range(1, on_chain["right_count"] + 1) if s.client.right_validity(asset_id, i)[0] != 1
    ), "the same rights exist"
    for index, right in indexed.items():
        view = s.client.get_right(asset_id, index)
        assert (right["holder"], right["parent_index"], right["revoked"]) == (
            view["holder"], view["parent_index"], view["revoked"]), f"right {index}"
        validity, failing = s.client.right_validity(asset_id, index)
        assert right["valid"] == (validity == 0), f"validity of right {index}: contract says {validity}/{failing}"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=3, max_size=12))
def test_index_agrees_with_contract_after_every_step(private_stack, steps):
    s = private_stack
    parties = s.accounts[1:5]
    asset = s.client.register(random_registration([(parties[0].address, 7)]), parties[0]).asset_ids[0]
    for action, which, who, days in steps:
        count = s.client.get_asset(asset)["right_count"]
        # Revocation and renewal apply to grants only, so aim those at the grants (indices from 4).
        index = 4 + which % (count - 3) if action in ("revoke", "renew") and count > 3 else 1 + which % count
        try:
            right = s.client.get_right(asset, index)
        except ContractRevert:  # an empty primary slot: nobody holds that kind
            continue
        holder = next((p for p in parties if p.address == right["holder"]), None)
        grantor = None
        if right["parent_index"]:
            parent_holder = s.client.get_right(asset, right["parent_index"])["holder"]
            grantor = next((p for p in parties if p.address == parent_holder), None)
        other = parties[who]
        now = s.chain_time()
        operation = None
        if action == "grant" and holder and other != holder:
            end = min(now + days * DAY, right["valid_until"]) if right["valid_until"] else now + days * DAY
            operation = Grant(asset, index, GrantTerms(other.address, valid_until=end, sub_grantable=days % 2 == 0,
                                                       transferable=days % 3 != 0)), holder
        elif action == "transfer" and holder and other != holder:
            operation = Transfer(asset, index, other.address), holder
        elif action == "revoke" and grantor:
            operation = Revoke(asset, index, 1 + days % 5), grantor
        elif action == "renew" and grantor:
            operation = Renew(asset, index, now + days * DAY), grantor
        elif action == "derive" and holder and right["kind"] == 1:
            operation = Register(random_registration([(holder.address, 7)], sources=[Source(asset, index)])), holder
        elif action == "time":
            s.advance_time(days * DAY // 3 + 3600)
        if operation is not None:
            try:
                s.client.execute(*operation)
                event(f"{action}: done")
            except ContractRevert as refused:
                event(f"{action}: refused ({refused.error_name})")  # legitimate; the index must still agree
        assert_index_matches_contract(s, asset)
