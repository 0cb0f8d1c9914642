"""HuaweiVRPDriver (and its parent's ``cli``) driven through a replayed Netmiko session."""

from __future__ import annotations

from pathlib import Path

import pytest
from napalm.base.exceptions import CommitError  # type: ignore[import-untyped]

from govnet.design import Design
from govnet.inventory.drivers.huawei_vrp import (
    HuaweiVRPDriver,
    TrialStatus,
    candidate_commands,
    parse_trial_status,
)
from govnet.ipv6.live import UnexpectedOutput
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from tests.replay import ReplayConnection, UnrecordedCommand, read_transcript

DATA = Path(__file__).parent / "data" / "vrp"

CANDIDATE = """\
#
interface LoopBack0
 description router id, BGP and management source
 ip address 10.200.0.39 255.255.255.255
#
isis 1
 is-name dg-humen
#
return
"""
TRIAL_STATUS = "display configuration trial status"
ENTERED = [
    TRIAL_STATUS,  # no trial may be pending
    "system-view",
    "interface LoopBack0",
    "description router id, BGP and management source",
    "ip address 10.200.0.39 255.255.255.255",
    "quit",
    "isis 1",
    "is-name dg-humen",
]
SAVE = ["save", "y"]


def recordings(*names: str) -> dict[str, list[str]]:
    """The answers of the transcripts ``session_NAME.txt`` in tests/data/vrp, in order."""
    merged: dict[str, list[str]] = {}
    for name in names:
        for command, answers in read_transcript(DATA / f"session_{name}.txt").items():
            merged.setdefault(command, []).extend(answers)
    return merged


def driver_on(replay: ReplayConnection, **optional_args: str) -> HuaweiVRPDriver:
    driver = HuaweiVRPDriver("10.199.2.24", "noc-writer", "secret", optional_args=optional_args)
    driver.device = replay
    return driver


def committed_trial() -> tuple[HuaweiVRPDriver, ReplayConnection]:
    """A driver that has just started a 300 s trial of CANDIDATE (its session in the system
    view), with the recordings for what a test does next."""
    replay = ReplayConnection(
        recordings("enter_candidate", "trial_commit", "abort_trial", "confirm_trial", "save")
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    driver.commit_config(revert_in=300)
    return driver, replay


# --- entering a candidate


def test_views_follow_the_indentation() -> None:
    config = """\
#
ip vpn-instance PUBLIC
 ipv4-family
  route-distinguisher 10.200.0.39:100
 ipv6-family
  route-distinguisher 10.200.0.39:100
#
acl number 2001
 rule 5 permit source 10.99.0.0 0.0.255.255
#
bgp 4206553602
 router-id 10.200.0.39
 #
 ipv4-family vpn-instance PUBLIC
  import-route direct
#
snmp-agent
return
"""
    assert candidate_commands(config) == [
        "ip vpn-instance PUBLIC",
        "ipv4-family",
        "route-distinguisher 10.200.0.39:100",
        "quit",
        "ipv6-family",
        "route-distinguisher 10.200.0.39:100",
        "quit",
        "quit",
        "acl number 2001",
        "rule 5 permit source 10.99.0.0 0.0.255.255",
        "quit",
        "bgp 4206553602",
        "router-id 10.200.0.39",
        "ipv4-family vpn-instance PUBLIC",
        "import-route direct",
        "quit",
        "quit",
        "snmp-agent",
    ]


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ('header login information "first line\nsecond line"\n', "quoted text"),
        (" ip address 10.0.0.1 255.255.255.255\n", "indented under no view"),
        ("interface LoopBack0\n\tip address 10.0.0.1 32\n", "tab"),
        ("interface LoopBack0\n quit\nsysname x\n", "changes the view"),
        ("interface LoopBack0\n   ip address 10.0.0.1 32\n", "indented under no view"),
    ],
)
def test_what_cannot_be_entered_line_by_line(config: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        candidate_commands(config)


def test_a_multi_line_banner_is_refused_before_anything_is_sent() -> None:
    replay = ReplayConnection({})
    driver = driver_on(replay)
    driver.load_merge_candidate(config='header login information "line one\nline two"\n')
    with pytest.raises(CommitError, match="quoted text"):
        driver.commit_config(revert_in=300)
    assert replay.sent == []


# --- trial commit, confirmation, rollback


def test_a_trial_commit_enters_the_lines_then_commits_a_persistent_trial() -> None:
    driver, replay = committed_trial()
    assert replay.sent == [*ENTERED, "commit trial 300 persist govnet", TRIAL_STATUS]
    assert driver.trial_started and not driver.changed
    assert not driver.loaded and driver.merge_candidate == ""
    assert driver.in_system_view  # what 'return' does during a trial is not documented


def test_a_second_driver_confirms_the_trial_and_saves() -> None:
    replay = ReplayConnection(recordings("confirm_trial", "save"))
    fresh = driver_on(replay)
    fresh.confirm_commit()
    assert replay.sent == [
        TRIAL_STATUS,
        "system-view",
        "commit persist govnet",
        TRIAL_STATUS,
        "return",
        *SAVE,
    ]
    assert replay.unused() == {}
    assert fresh.changed  # its rollback() may undo the commit point it confirmed


def test_the_confirming_driver_can_undo_the_commit_it_confirmed() -> None:
    replay = ReplayConnection(recordings("confirm_trial", "save", "rollback_commit", "save"))
    driver = driver_on(replay)
    driver.confirm_commit()
    replay.sent.clear()
    driver.rollback()
    assert replay.sent == [TRIAL_STATUS, "rollback configuration last 1", "y", *SAVE]


def test_confirm_in_the_same_session_stays_in_its_view() -> None:
    driver, replay = committed_trial()
    replay.sent.clear()
    driver.confirm_commit()
    assert replay.sent == [TRIAL_STATUS, "commit persist govnet", TRIAL_STATUS, "return", *SAVE]


def test_rollback_during_the_trial_aborts_it() -> None:
    driver, replay = committed_trial()
    replay.sent.clear()
    driver.rollback()
    assert replay.sent == [TRIAL_STATUS, "abort trial persist govnet", "y", TRIAL_STATUS, "return"]
    assert not driver.changed and not driver.in_system_view


def test_a_fresh_driver_aborts_a_pending_trial_from_the_system_view() -> None:
    replay = ReplayConnection(recordings("abort_trial", "confirm_trial"))
    driver_on(replay).rollback()
    assert replay.sent == [
        TRIAL_STATUS,
        "system-view",
        "abort trial persist govnet",
        "y",
        TRIAL_STATUS,
        "return",
    ]


def test_rollback_after_a_commit_goes_back_one_commit_point() -> None:
    replay = ReplayConnection(
        recordings("enter_candidate", "plain_commit", "save", "rollback_commit", "save")
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    driver.commit_config()
    assert replay.sent == [*ENTERED, "commit", "return", *SAVE]
    replay.sent.clear()
    driver.rollback()
    assert replay.sent == [TRIAL_STATUS, "rollback configuration last 1", "y", *SAVE]
    assert replay.unused() == {} and not driver.changed


def test_a_driver_that_committed_nothing_never_rolls_back_blindly() -> None:
    replay = ReplayConnection(recordings("rollback_commit"))
    with pytest.raises(CommitError, match="committed nothing"):
        driver_on(replay).rollback()
    assert replay.sent == [TRIAL_STATUS]


def test_a_commit_message_becomes_the_commit_description() -> None:
    replay = ReplayConnection(
        recordings("enter_candidate", "trial_commit", "save")
        | {"commit trial 300 persist govnet description govnet push 42": "[*dg-humen-isis-1]"}
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    driver.commit_config(message="govnet push 42", revert_in=300)
    assert replay.sent[-2] == "commit trial 300 persist govnet description govnet push 42"


def test_the_persistence_id_comes_from_the_optional_args() -> None:
    replay = ReplayConnection(
        {
            TRIAL_STATUS: [
                "Trial status: ACTIVE\nPersist id: night-batch\nTrial time left (sec): 90",
                "Trial status: INACTIVE\nTrial time left (sec): 0",
            ],
            "system-view": "[~dg-humen]",
            "commit persist night-batch": "[~dg-humen]",
            "return": "<dg-humen>",
            **recordings("save"),
        }
    )
    driver_on(replay, trial_persist_id="night-batch").confirm_commit()
    assert "commit persist night-batch" in replay.sent
    with pytest.raises(ValueError, match="trial_persist_id"):
        driver_on(replay, trial_persist_id="9lives")


# --- errors


def test_an_error_line_stops_the_push_and_leaves_nothing_committed() -> None:
    replay = ReplayConnection(recordings("error_line"))
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError) as caught:
        driver.commit_config(revert_in=300)
    message = str(caught.value)
    assert "'is-name dg-humen'" in message
    assert "Error: Unrecognized command found at '^' position." in message
    assert replay.sent == [*ENTERED, "clear configuration candidate", "return"]
    assert not any(command.startswith("commit") for command in replay.sent)
    assert not driver.changed


def test_uncommitted_lines_on_return_are_discarded_never_committed() -> None:
    replay = ReplayConnection(
        {
            **recordings("error_line"),
            "return": "Warning: Uncommitted configurations found. Commit them before exiting? "
            "[Y(yes)/N(no)/C(cancel)]:",
            "n": "<dg-humen>",
        }
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="nothing was committed"):
        driver.commit_config()
    assert replay.sent[-3:] == ["clear configuration candidate", "return", "n"]


def test_a_question_while_entering_lines_is_declined() -> None:
    replay = ReplayConnection(
        {
            **recordings("error_line"),
            "is-name dg-humen": "Warning: This operation will reset IS-IS. Continue? [Y/N]:",
            "n": "[*dg-humen-isis-1]",
        }
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="the device asked"):
        driver.commit_config(revert_in=300)
    assert replay.sent[-4:] == ["is-name dg-humen", "n", "clear configuration candidate", "return"]


def test_the_documented_ssh_server_source_question_is_answered_yes() -> None:
    question = "Warning: The operation will take effect upon the next login. Continue? [Y/N]:"
    replay = ReplayConnection(
        {
            "system-view": "[~dg-humen]",
            "ssh server-source all-interface": question,
            "y": "[*dg-humen]",
            "commit": "[~dg-humen]",
            "return": "<dg-humen>",
        }
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config="ssh server-source all-interface\n")
    driver._enter_system_view()
    driver._enter_line("ssh server-source all-interface")
    assert replay.sent == ["system-view", "ssh server-source all-interface", "y"]


def test_a_refused_trial_commit_clears_the_candidate() -> None:
    replay = ReplayConnection(
        {
            **recordings("error_line"),
            "is-name dg-humen": "[*dg-humen-isis-1]",
            "commit trial 300 persist govnet": "Error: The configuration is locked by other user.\n"
            "[*dg-humen-isis-1]",
        }
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="locked by other user"):
        driver.commit_config(revert_in=300)
    assert replay.sent[-3:] == [
        "commit trial 300 persist govnet",
        "clear configuration candidate",
        "return",
    ]


def test_immediate_mode_is_refused() -> None:
    replay = ReplayConnection({**recordings("error_line"), "system-view": "[dg-humen]"})
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="two-stage"):
        driver.commit_config(revert_in=300)
    assert replay.sent == [TRIAL_STATUS, "system-view", "return"]


@pytest.mark.parametrize("seconds", [0, 59, 65536])
def test_a_trial_outside_the_documented_range_is_refused_before_connecting(seconds: int) -> None:
    replay = ReplayConnection({})
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="60 to 65535"):
        driver.commit_config(revert_in=seconds)
    assert replay.sent == []


def test_a_commit_whose_save_fails_can_still_be_rolled_back() -> None:
    replay = ReplayConnection(
        {
            **recordings("enter_candidate", "plain_commit", "rollback_commit", "save"),
            "save": ["Error: The flash is full.\n<dg-humen>", *recordings("save")["save"]],
        }
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="not saved"):
        driver.commit_config()
    driver.rollback()
    assert replay.sent[-4:] == ["rollback configuration last 1", "y", "save", "y"]


def test_a_trial_that_did_not_start_is_an_error() -> None:
    replay = ReplayConnection(
        {
            **recordings("enter_candidate", "trial_commit"),
            TRIAL_STATUS: ["Trial status: INACTIVE\nTrial time left (sec): 0"] * 2,
        }
    )
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="INACTIVE"):
        driver.commit_config(revert_in=300)


def test_no_change_is_sent_while_a_trial_is_pending() -> None:
    replay = ReplayConnection({TRIAL_STATUS: "Trial status: ACTIVE\nTrial time left (sec): 80"})
    driver = driver_on(replay)
    driver.load_merge_candidate(config=CANDIDATE)
    with pytest.raises(CommitError, match="a trial is ACTIVE"):
        driver.commit_config(revert_in=300)
    assert replay.sent == [TRIAL_STATUS]


def test_a_trial_no_longer_pending_is_not_rolled_back_blindly() -> None:
    driver, replay = committed_trial()
    replay.sent.clear()
    driver.device = ReplayConnection(recordings("rollback_commit"))  # the timer reverted it
    with pytest.raises(CommitError, match="no longer pending"):
        driver.rollback()
    assert driver.device.sent == [TRIAL_STATUS]


def test_nothing_to_confirm_and_someone_elses_trial_are_refused() -> None:
    idle = ReplayConnection({TRIAL_STATUS: "Trial status: INACTIVE\nTrial time left (sec): 0"})
    with pytest.raises(CommitError, match="no trial to confirm"):
        driver_on(idle).confirm_commit()
    foreign = "Trial status: ACTIVE\nPersist id: IQ,d4668\nTrial time left (sec): 30"
    for action in ("confirm_commit", "rollback"):
        replay = ReplayConnection({TRIAL_STATUS: foreign})
        with pytest.raises(CommitError, match="not govnet's"):
            getattr(driver_on(replay), action)()
        assert replay.sent == [TRIAL_STATUS]


def test_pending_commit_is_an_active_trial() -> None:
    states = ["ACTIVE", "INACTIVE", "CANCELING"]
    replay = ReplayConnection(
        {TRIAL_STATUS: [f"Trial status: {state}\nTrial time left (sec): 5" for state in states]}
    )
    driver = driver_on(replay)
    assert [driver.has_pending_commit() for _ in states] == [True, False, False]


def test_replace_is_not_offered() -> None:
    with pytest.raises(NotImplementedError, match="undo"):
        driver_on(ReplayConnection({})).load_replace_candidate(config="sysname x\n")


# --- the trial status parser and the replay itself


def test_trial_status_of_the_documented_examples() -> None:
    assert parse_trial_status("Trial status: INACTIVE \nTrial time left (sec): 0\n") == (
        TrialStatus("INACTIVE", 0)
    )
    active = "Trial status: ACTIVE \nPersist id: IQ,d4668\nTrial time left (sec): 30\n"
    assert parse_trial_status(active) == TrialStatus("ACTIVE", 30, "IQ,d4668")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Trial status: ACTIVE\n",
        "Trial status: PAUSED\nTrial time left (sec): 3\n",
        "Trial status: ACTIVE\nTrial time left (sec): 3\nSomething else: 1\n",
        "Error: Unrecognized command found at '^' position.\n",
    ],
)
def test_unexpected_trial_status_output(text: str) -> None:
    with pytest.raises(UnexpectedOutput, match="display configuration trial status"):
        parse_trial_status(text)


def test_the_parents_cli_reads_through_the_replay() -> None:
    table = (DATA / "huawei_vrp_display_ip_routing-table_documented.txt").read_text()
    replay = ReplayConnection({"display ip routing-table": table})
    assert driver_on(replay).cli(["display ip routing-table"]) == {
        "display ip routing-table": table.rstrip("\n")
    }


def test_the_replay_fails_on_what_it_has_no_recording_for() -> None:
    replay = ReplayConnection({"display version": "VRP (R) software, Version 8.210"})
    driver = driver_on(replay)
    driver.cli(["display version"])
    with pytest.raises(UnrecordedCommand, match="display version"):
        driver.cli(["display version"])
    with pytest.raises(UnrecordedCommand, match="display clock"):
        driver.cli(["display clock"])
    assert replay.sent == ["display version", "display version", "display clock"]


# --- the reference's rendered configs


def test_a_rendered_config_enters_line_by_line(reference: Design) -> None:
    """Every view the render opens is left again; the login banner is rendered on one line
    (VRP's interactive multi-line input is not documented, so the driver refuses it)."""
    rendered = render_design(reference, build_graph(reference), ["dg-humen"])[0].text
    commands = candidate_commands(rendered)
    banner = [c for c in commands if c.startswith("header login information")]
    assert len(banner) == 1 and banner[0].endswith('"') and banner[0].count('"') == 2
    assert commands[0] == "sysname dg-humen"
    assert not {"#", "return"} & set(commands)
    block = rendered.split("\ninterface LoopBack0\n")[1].split("\n#")[0].splitlines()
    start = commands.index("interface LoopBack0")
    assert commands[start : start + len(block) + 2] == [
        "interface LoopBack0",
        *(line.strip() for line in block),
        "quit",
    ]


# --- the merge diff


RUNNING = """\
#
sysname dg-humen
#
interface GE3/0/0
 undo shutdown
 description to dg-dongcheng
#
snmp-agent sys-info version v3
#
local-user govnet-break-glass password irreversible-cipher $1c$Q8e$Xq1$
#
return
<dg-humen>"""


def test_the_merge_diff_counts_an_undo_only_while_its_function_is_on() -> None:
    candidate = (
        "sysname dg-humen\n"
        "interface GE3/0/0\n"
        " undo shutdown\n"
        " description to dg-dongcheng, 100G\n"
        "undo telnet server enable\n"
        "undo snmp-agent sys-info version v3\n"
        "local-user govnet-break-glass password irreversible-cipher Break-Glass-2026!\n"
    )
    replay = ReplayConnection({"display current-configuration": RUNNING})
    driver = driver_on(replay)
    driver.load_merge_candidate(config=candidate)
    assert driver.compare_config().splitlines() == [
        " description to dg-dongcheng, 100G",
        "undo snmp-agent sys-info version v3",
        "local-user govnet-break-glass password irreversible-cipher Break-Glass-2026!",
    ]
    assert replay.sent == ["display current-configuration"]


def test_nothing_loaded_compares_to_nothing() -> None:
    replay = ReplayConnection({})
    assert driver_on(replay).compare_config() == ""
    assert replay.sent == []
