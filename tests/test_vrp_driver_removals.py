"""HuaweiVRPDriver enters a transport state's removals (templates/huawei_vrp/SOURCES.md, "Merge:
what each state removes") only where the running config has something to remove in that view:
VRP refuses an ``undo peer`` of a peer that does not exist, and each removal restores a default
the device is already at when the running config shows no line for it. Driven through a
replayed session (tests/replay.py)."""

from __future__ import annotations

from pathlib import Path

from govnet.inventory.drivers.huawei_vrp import (
    REMOVAL_UNDO,
    HuaweiVRPDriver,
    candidate_commands,
    lines_by_view,
    without_removals_in_effect,
)
from tests.replay import ReplayConnection, read_transcript

DATA = Path(__file__).parent / "data" / "vrp"
TRIAL_STATUS = "display configuration trial status"
RUNNING_COMMAND = "display current-configuration"

# A device of the finished ``dual`` (MPLS and both sessions), before the ``srv6`` state.
RUNNING = """\
!Software Version V800R012C10SPC300
#
sysname dg-humen
#
mpls lsr-id 10.200.0.39
#
mpls
#
mpls ldp
#
interface GE3/0/0
 undo shutdown
 mpls
 mpls ldp
 isis ldp-sync
#
interface GE3/0/1
 undo shutdown
#
bgp 65010
 peer 10.200.0.44 as-number 65010
 peer 2001:db8:7ff::44 as-number 65010
 #
 ipv4-family vpnv4
  peer 10.200.0.44 enable
  peer 2001:db8:7ff::44 enable
  peer 2001:db8:7ff::44 capability-advertise add-path receive
#
return
<dg-humen>"""

# What the ``srv6`` state renders for it (shortened), with one removal of another state's
# feature this device never had (segment-routing ipv6 is still in use here: nothing to remove
# means: no line for it) and an interface that never ran LDP.
CANDIDATE = """\
#
interface GE3/0/0
 undo isis ldp-sync
 undo mpls ldp
 undo mpls
#
interface GE3/0/1
 undo isis ldp-sync
 undo mpls ldp
 undo mpls
#
bgp 65010
 undo peer 10.200.0.44
 undo peer 10.200.0.45
 #
 ipv4-family vpnv4
  peer 2001:db8:7ff::44 enable
  undo peer 2001:db8:7ff::44 high-priority
  undo bestroute add-path
#
undo telnet server enable
#
undo route-policy GOVNET-SRV6-EGRESS
undo mpls ldp
undo mpls
undo mpls lsr-id
#
return
"""

ENTERED = [
    "interface GE3/0/0",
    "undo isis ldp-sync",
    "undo mpls ldp",
    "undo mpls",
    "quit",
    "interface GE3/0/1",
    "bgp 65010",
    "undo peer 10.200.0.44",
    "ipv4-family vpnv4",
    "peer 2001:db8:7ff::44 enable",
    "quit",
    "quit",
    "undo telnet server enable",
    "undo mpls ldp",
    "undo mpls",
    "undo mpls lsr-id",
]


def replay_for(entered: list[str]) -> ReplayConnection:
    recorded: dict[str, list[str]] = {}
    for command, answers in read_transcript(DATA / "session_trial_commit.txt").items():
        recorded.setdefault(command, []).extend(answers)
    recorded[TRIAL_STATUS] = [
        "Trial status: INACTIVE\nTrial time left (sec): 0",
        *recorded[TRIAL_STATUS],
    ]
    recorded[RUNNING_COMMAND] = [RUNNING]
    recorded["system-view"] = [
        "Enter system view, return user view with return command.\n[~dg-humen]"
    ]
    for command in entered:
        recorded.setdefault(command, []).append("[*dg-humen]")
    return ReplayConnection(recorded)


def driver_on(replay: ReplayConnection) -> HuaweiVRPDriver:
    driver = HuaweiVRPDriver("10.199.2.24", "noc-writer", "secret")
    driver.device = replay
    return driver


def test_only_removals_with_something_to_remove_are_entered() -> None:
    replay = replay_for(ENTERED)
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    driver.commit_config(revert_in=300)
    assert replay.sent == [
        TRIAL_STATUS,
        RUNNING_COMMAND,
        "system-view",
        *ENTERED,
        "commit trial 300 persist govnet",
        TRIAL_STATUS,
    ]
    left_out = {
        "undo peer 10.200.0.45",  # VRP: the peer does not exist
        "undo peer 2001:db8:7ff::44 high-priority",
        "undo bestroute add-path",
        "undo route-policy GOVNET-SRV6-EGRESS",
    }
    assert not left_out & set(replay.sent)


def test_the_running_config_is_read_only_when_the_candidate_removes_something() -> None:
    candidate = "#\ninterface GE3/0/1\n undo shutdown\n#\nundo telnet server enable\n#\nreturn\n"
    entered = ["interface GE3/0/1", "undo shutdown", "quit", "undo telnet server enable"]
    replay = replay_for(entered)
    driver = driver_on(replay)
    driver.load_merge_candidate(config=candidate)
    driver.commit_config(revert_in=300)
    assert RUNNING_COMMAND not in replay.sent
    assert replay.sent[2:-2] == entered


def test_a_removal_counts_only_in_its_own_view() -> None:
    """``mpls`` on an interface is not the global ``mpls``: each ``undo`` is judged in its view."""
    running = "#\nmpls\n#\ninterface GE3/0/0\n undo shutdown\n#\nreturn\n"
    candidate = "interface GE3/0/0\n undo mpls ldp\n undo mpls\nundo mpls ldp\nundo mpls\n"
    assert candidate_commands(without_removals_in_effect(candidate, running)) == [
        "interface GE3/0/0",
        "undo mpls",
    ]


def test_the_security_off_states_are_never_left_out() -> None:
    for line in (
        "undo telnet server enable",
        "undo telnet ipv6 server enable",
        "undo snmp-agent sys-info version v1 v2c",
        "undo shutdown",
        "undo default ipv4-unicast",
        "undo policy vpn-target",
    ):
        assert not REMOVAL_UNDO.fullmatch(line), line
        assert without_removals_in_effect(line + "\n", "") == line + "\n"


def test_views_of_the_running_config_follow_its_indentation() -> None:
    assert lines_by_view(RUNNING)[:3] == [
        ((), "sysname dg-humen"),
        ((), "mpls lsr-id 10.200.0.39"),
        ((), "mpls"),
    ]
    assert (("bgp 65010", "ipv4-family vpnv4"), "peer 10.200.0.44 enable") in lines_by_view(RUNNING)
