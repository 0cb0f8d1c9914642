"""The rollout plan: batches partition the order (canary alone first, then batches of the
asked size), and the order puts every host after those of lower rank."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from govnet.inventory.roles import Role
from govnet.inventory.rollout import plan_batches, rollout_order, rollout_rank

names = st.lists(st.text("abcdef", min_size=1, max_size=4), unique=True, max_size=30)


@given(names, st.integers(0, 40), st.integers(0, 12))
def test_batches_partition_the_order(order: list[str], canary: int, size: int) -> None:
    batches = plan_batches(order, canary, size)
    assert [host for batch in batches for host in batch] == order  # each once, in order
    assert all(batches)
    rest = batches
    if canary and order:
        assert batches[0] == tuple(order[:canary])
        rest = batches[1:]
    if size:
        assert all(len(batch) <= size for batch in rest)
        assert all(len(batch) == size for batch in rest[:-1])
    else:
        assert len(rest) <= 1


@given(st.dictionaries(st.text("abcdef", min_size=1), st.sampled_from([*Role, "no-such"])))
def test_the_order_never_puts_a_host_before_one_of_lower_rank(roles: dict[str, str]) -> None:
    order = rollout_order(roles)
    assert sorted(order) == sorted(roles)
    for earlier, later in pairwise(order):
        assert (rollout_rank(roles[earlier]), earlier) < (rollout_rank(roles[later]), later)


def test_route_reflectors_come_after_every_other_role() -> None:
    reflector = rollout_rank(Role.METRO_CORE)
    assert all(rollout_rank(role) < reflector for role in Role if role is not Role.METRO_CORE)
    assert rollout_rank(Role.BUREAU_CE) < rollout_rank(Role.TOWN) < rollout_rank(Role.CITY_WAN_CORE)
