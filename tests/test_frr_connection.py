"""The lab's Nornir connection (frr_netns) without a lab: the commands it runs, the diff it
reads from frr-reload.py, what it does when FRR refuses or drops a config or daemons die,
commit-confirmed with its state in the router's pathspace, the boot order of the saved config
and the management path probe."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from govnet.ipv6.live import failure_reason
from govnet.labs import frr_connection, frr_daemons
from govnet.labs.frr_connection import (
    FRR_RELOAD,
    FrrError,
    FrrNamespace,
    FrrNamespaceDevice,
    ManagementPath,
    ManagementPathDown,
    boot_order,
    config_lines,
    is_bootstrap,
    probe,
    reload_diff,
)
from govnet.labs.frr_daemons import Revival

DATA = Path(__file__).parent / "data" / "frr"
NS = "gn-12345678"
ENTER = ["nsenter", f"--net=/run/netns/{NS}", f"--uts=/run/govnet/uts/{NS}"]
BOOTSTRAP = "frr version 8.4.4\nfrr defaults traditional\nhostname dg-humen\n!\nend\n"
RUNNING = (
    BOOTSTRAP.removesuffix("end\n")
    + "interface eth1\n ip address 10.0.0.1/31\n ip router isis GOVNET\nexit\n!\n"
    + "router isis GOVNET\n is-type level-2-only\nexit\n!\nend\n"
)
CHANGED = RUNNING.replace("10.0.0.1/31", "10.0.0.3/31")


def test_reload_diff_reads_both_sections() -> None:
    text = (DATA / "reload_test_output.txt").read_text()
    assert reload_diff(text) == (
        "- interface lan0.100\n"
        "-  no description PUBLIC users at dongcheng (IPv6 state v6-only)\n"
        "- router isis GOVNET\n"
        "-  no lsp-timers gen-interval 1 refresh-interval 900 max-lifetime 1200\n"
        "+ router isis GOVNET\n"
        "+  metric-style wide\n"
        "+ router isis GOVNET\n"
        "+  lsp-gen-interval 1\n"
        "+ interface eth1\n"
        "+  isis metric 10\n"
    )


def test_no_difference_is_an_empty_diff() -> None:
    assert reload_diff((DATA / "reload_test_empty.txt").read_text()) == ""


def test_a_router_with_only_its_bootstrap_config_is_recognised() -> None:
    assert is_bootstrap(BOOTSTRAP)
    assert not is_bootstrap(RUNNING)


def test_config_lines_carry_their_context_and_ignore_separators() -> None:
    lines = config_lines(RUNNING)
    assert ("interface eth1", "ip router isis GOVNET") in lines
    assert ("router isis GOVNET", "is-type level-2-only") in lines
    assert ("hostname dg-humen",) in lines
    assert not any(line[-1] in ("exit", "!", "end") for line in lines)
    assert not any(line[-1].startswith("frr version") for line in lines)
    # the same router printed another way round is the same set; a changed line is not
    reordered = "\n".join(reversed(boot_order(RUNNING).split("!\n")))
    assert config_lines(reordered) == lines
    assert config_lines(CHANGED) != lines
    nested = "segment-routing\n srv6\n  locators\n   locator A\n    prefix 5f00::/64\n   exit\n"
    assert ("segment-routing", "srv6", "locators", "locator A", "prefix 5f00::/64") in (
        config_lines(nested)
    )


def test_the_saved_config_boots_isis_before_the_interfaces_that_join_it() -> None:
    """FRR prints interfaces first; a daemon restarted by watchfrr reading them before
    ``router isis`` loses every interface's IS-IS lines."""
    saved = boot_order(RUNNING)
    assert saved.index("router isis GOVNET\n") < saved.index("interface eth1\n")
    assert saved.index("hostname dg-humen") < saved.index("router isis GOVNET")
    assert saved.endswith("exit\n!\nend\n") and saved.count("end\n") == 1
    assert config_lines(saved) == config_lines(RUNNING)
    assert boot_order(saved) == saved


class FakeHost:
    """The machine under the router: its namespaces, daemons and confirm timer, recorded."""

    def __init__(self, dead: list[str] | None = None, revival: Revival | None = None) -> None:
        self.dead = dead or []
        self.revival = revival
        self.revived = 0
        self.timer_pid = 999_999
        self.spawned: list[Path] = []
        self.stopped: list[int] = []

    def enter(self) -> list[str]:
        return list(ENTER)

    def exists(self) -> bool:
        return True

    def dead_daemons(self) -> list[str]:
        return list(self.dead)

    def revive(self) -> Revival | None:
        self.revived += 1
        self.dead = []
        return self.revival

    def spawn_timer(self, state_dir: Path) -> int:
        self.spawned.append(state_dir)
        return self.timer_pid

    def stop_timer(self, pid: int) -> bool:
        self.stopped.append(pid)
        return True


class FakeFrr:
    """Stands in for subprocess.run: answers vtysh and frr-reload.py, records every call and
    the file each frr-reload.py / vtysh -f call was given. ``drop`` is a line FRR leaves
    out when it applies the next config; ``fail_reload_of`` a text it refuses."""

    def __init__(
        self, running: str, fail_reload_of: str | None = None, drop: str | None = None
    ) -> None:
        self.running = running
        self.fail_reload_of = fail_reload_of
        self.drop = drop
        self.calls: list[list[str]] = []
        self.files: list[str] = []

    def __call__(self, args: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        assert args[:3] == ENTER, args  # everything runs inside the router's namespaces
        if FRR_RELOAD in args or (args[3:5] == ["vtysh", "-N"] and "-f" in args):
            text = Path(args[-1]).read_text()
            self.files.append(text)
            if "--test" in args:
                same = config_lines(text) == config_lines(self.running)
                out = DATA / ("reload_test_empty.txt" if same else "reload_test_output.txt")
                return subprocess.CompletedProcess(args, 0, out.read_text(), "")
            if self.fail_reload_of is not None and self.fail_reload_of in text:
                return subprocess.CompletedProcess(args, 1, "", "line 3: % Unknown command: bad")
            self.running = text.replace(self.drop, "") if self.drop else text
            self.drop = None  # only the commit loses it: the restore is taken whole
            return subprocess.CompletedProcess(args, 0, "", "")
        if args[-1] == "show running-config":
            return subprocess.CompletedProcess(
                args, 0, "Building configuration...\n\n" + self.running, ""
            )
        return subprocess.CompletedProcess(args, 0, "", "")


def kinds(calls: list[list[str]]) -> list[str]:
    """Each call as a short label."""
    labels = []
    for args in calls:
        if FRR_RELOAD in args:
            labels.append("reload " + next(a for a in args if a in ("--test", "--reload")))
        elif "-f" in args:
            labels.append("vtysh -f")
        else:
            labels.append("vtysh " + args[-1])
    return labels


@pytest.fixture
def etc(tmp_path: Path) -> Path:
    (tmp_path / NS).mkdir()
    return tmp_path


def device(fake: Callable[..., Any], etc: Path, host: FakeHost | None = None) -> FrrNamespaceDevice:
    return FrrNamespaceDevice(NS, runner=fake, host=host or FakeHost(), etc=etc)


def test_compare_runs_frr_reload_test_inside_the_router(etc: Path) -> None:
    fake = FakeFrr(RUNNING)
    router = device(fake, etc)
    router.load_replace_candidate(config=CHANGED)
    assert router.compare_config().startswith("- interface lan0.100\n")
    assert kinds(fake.calls) == ["vtysh show running-config", "reload --test"]
    assert fake.calls[1][3:6] == [FRR_RELOAD, "--pathspace", NS]
    assert fake.files == [CHANGED]


def test_against_a_bootstrap_router_the_whole_config_is_the_diff(etc: Path) -> None:
    fake = FakeFrr(BOOTSTRAP)
    router = device(fake, etc)
    router.load_replace_candidate(
        config="hostname dg-humen\n!\ninterface eth1\n ip address 10.0.0.1/31\n"
    )
    assert router.compare_config() == (
        "+ hostname dg-humen\n+ interface eth1\n+  ip address 10.0.0.1/31\n"
    )
    assert kinds(fake.calls) == ["vtysh show running-config"]  # no frr-reload.py started


def test_first_commit_loads_the_whole_config_checks_and_saves_it(etc: Path) -> None:
    fake = FakeFrr(BOOTSTRAP)
    router = device(fake, etc)
    router.load_replace_candidate(config=RUNNING)
    router.commit_config()
    # the check reads the running config once; it matches, so frr-reload.py is not needed
    assert kinds(fake.calls) == [
        "vtysh show running-config",
        "vtysh -f",
        "vtysh show running-config",
    ]
    assert (etc / NS / "frr.conf").read_text() == boot_order(RUNNING)
    assert oct((etc / NS / "frr.conf").stat().st_mode & 0o777) == "0o640"
    assert [e["event"] for e in router.events()] == ["commit"]
    assert not router.has_pending_commit()


def test_a_push_reads_the_running_config_once_before_the_commit(etc: Path) -> None:
    """Diff then commit (what a push does): the config diffed against is the restore point;
    a new candidate or a discard forgets it."""
    fake = FakeFrr(BOOTSTRAP)
    router = device(fake, etc)
    router.load_replace_candidate(config=RUNNING)
    router.compare_config()
    router.commit_config()
    assert kinds(fake.calls)[:2] == ["vtysh show running-config", "vtysh -f"]
    router.rollback()
    assert fake.files[-1] == BOOTSTRAP
    fake.calls.clear()
    router.load_replace_candidate(config=RUNNING)
    router.compare_config()
    router.load_replace_candidate(config=RUNNING + "router bgp 65010\nexit\n")
    router.commit_config()
    # the candidate changed after the diff: the commit reads the running config again
    assert kinds(fake.calls)[:3] == [
        "vtysh show running-config",
        "vtysh show running-config",
        "vtysh -f",
    ]


def test_later_commits_reload_and_rollback_restores_and_saves_the_config_before(
    etc: Path,
) -> None:
    fake = FakeFrr(RUNNING)
    router = device(fake, etc)
    router.load_replace_candidate(config=CHANGED)
    router.commit_config()
    assert (etc / NS / "frr.conf").read_text() == boot_order(CHANGED)
    # rollback from a fresh object: the restore point is in the pathspace, not in memory
    fresh = device(fake, etc)
    fresh.rollback()
    assert kinds(fake.calls) == [
        "vtysh show running-config",
        "reload --reload",
        "vtysh show running-config",
        "reload --reload",
        "vtysh show running-config",
    ]
    # the rollback reloaded the running config as it was, without vtysh's preamble
    assert fake.files[-1] == RUNNING and fake.running == RUNNING
    assert (etc / NS / "frr.conf").read_text() == boot_order(RUNNING)
    assert [e["event"] for e in fresh.events()] == ["commit", "rollback"]
    with pytest.raises(FrrError, match="no commit to roll back"):
        fresh.rollback()


def test_a_refused_commit_is_undone_and_reported(etc: Path) -> None:
    fake = FakeFrr(RUNNING, fail_reload_of="broken line")
    router = device(fake, etc)
    router.load_replace_candidate(config=RUNNING + "broken line\n")
    with pytest.raises(
        FrrError,
        match=r"Unknown command: bad \(the previous config was restored, checked and saved\)",
    ):
        router.commit_config()
    assert kinds(fake.calls) == [
        "vtysh show running-config",
        "reload --reload",
        "reload --reload",
        "vtysh show running-config",
    ]
    assert fake.files[-1] == RUNNING and fake.running == RUNNING
    assert router.events()[-1]["event"] == "commit failed"
    assert router.events()[-1]["restored"] is True


def test_a_commit_frr_silently_dropped_a_line_of_is_undone(etc: Path) -> None:
    """FRR answers without an error but does not run one line (an unresolved secret, a
    command it ignores): the commit fails, names the line, and the config before is back."""
    fake = FakeFrr(RUNNING, drop=" is-type level-2-only\n")
    router = device(fake, etc)
    router.load_replace_candidate(config=CHANGED)
    with pytest.raises(FrrError) as raised:
        router.commit_config()
    message = str(raised.value)
    assert "differs from the one pushed in 10 lines (FRR refused or dropped them)" in message
    assert "the previous config was restored" in message
    # frr-reload.py is asked only because the quick comparison found a difference
    assert kinds(fake.calls) == [
        "vtysh show running-config",
        "reload --reload",
        "vtysh show running-config",
        "reload --test",
        "reload --reload",
        "vtysh show running-config",
    ]
    assert fake.files[-1] == RUNNING and fake.running == RUNNING
    assert (etc / NS / "frr.conf").read_text() == boot_order(RUNNING)  # saved as restored


def test_daemons_that_died_mid_commit_are_revived_before_the_restore(etc: Path) -> None:
    fake = FakeFrr(RUNNING, drop=" ip router isis GOVNET\n")
    host = FakeHost(revival=Revival(dead=("zebra", "isisd"), by="watchfrr", seconds=2.5))
    router = device(fake, etc, host)
    router.load_replace_candidate(config=CHANGED)
    with pytest.raises(FrrError, match=r"zebra, isisd down: restarted by watchfrr in 2\.5 s"):
        router.commit_config()
    assert host.revived == 1
    assert fake.running == RUNNING


def test_a_router_with_dead_daemons_is_not_committed_to(etc: Path) -> None:
    fake = FakeFrr(RUNNING)
    router = device(fake, etc, FakeHost(dead=["isisd"]))
    router.load_replace_candidate(config=CHANGED)
    with pytest.raises(FrrError, match=r"daemons down before the commit \(isisd\)"):
        router.commit_config()
    assert kinds(fake.calls) == []


def test_merge_is_refused(etc: Path) -> None:
    router = device(FakeFrr(RUNNING), etc)
    with pytest.raises(FrrError, match="replace, not merge"):
        router.load_merge_candidate(config="x")


# --- commit-confirmed


def committed_confirmed(etc: Path, host: FakeHost, revert_in: int = 30) -> FakeFrr:
    fake = FakeFrr(RUNNING)
    router = device(fake, etc, host)
    router.load_replace_candidate(config=CHANGED)
    router.commit_config(message="ticket 12", revert_in=revert_in)
    return fake


def test_a_confirmed_commit_leaves_a_timer_and_its_state_in_the_pathspace(etc: Path) -> None:
    host = FakeHost()
    started = time.time()
    committed_confirmed(etc, host, revert_in=30)
    assert host.spawned == [etc / NS / "govnet"]
    pending = json.loads((etc / NS / "govnet" / "pending.json").read_text())
    assert pending["timer_pid"] == host.timer_pid and pending["revert_in"] == 30
    assert started + 30 <= pending["deadline"] <= time.time() + 30
    assert (etc / NS / "govnet" / "rollback.conf").read_text() == RUNNING
    # a fresh connection sees it; a second commit is refused until it is settled
    fresh = device(FakeFrr(CHANGED), etc, host)
    assert fresh.has_pending_commit()
    fresh.load_replace_candidate(config=RUNNING)
    with pytest.raises(FrrError, match="waiting for confirmation"):
        fresh.commit_config(revert_in=30)
    assert fresh.events()[-1] == {**fresh.events()[-1], "event": "commit", "revert_in": 30}


def pending_commit(etc: Path) -> tuple[FakeHost, FakeFrr, FrrNamespaceDevice]:
    """A commit waiting for confirmation, and a fresh connection to the same router."""
    host = FakeHost()
    fake = committed_confirmed(etc, host)
    return host, fake, device(fake, etc, host)


def test_confirm_from_a_fresh_connection_stops_the_timer_by_pid(etc: Path) -> None:
    host, fake, fresh = pending_commit(etc)
    fresh.confirm_commit()
    assert host.stopped == [host.timer_pid]
    assert not fresh.has_pending_commit()
    assert fake.running == CHANGED
    with pytest.raises(FrrError, match="no commit to confirm"):
        fresh.confirm_commit()
    # confirmed, the commit can still be rolled back like any other
    fresh.rollback()
    assert fake.running == RUNNING


def test_rollback_of_a_pending_commit_restores_now_and_stops_the_timer(etc: Path) -> None:
    host, fake, fresh = pending_commit(etc)
    fresh.rollback()
    assert host.stopped == [host.timer_pid]
    assert fake.running == RUNNING
    assert not fresh.has_pending_commit()
    assert not (etc / NS / "govnet" / "rollback.conf").exists()
    assert [e["event"] for e in fresh.events()] == ["commit", "rollback"]
    assert fresh.events()[-1]["pending"] is True


def test_the_timer_reverts_an_unconfirmed_commit_as_a_rollback_would(etc: Path) -> None:
    host = FakeHost()
    host.timer_pid = os.getpid()  # this process plays the timer
    fake = committed_confirmed(etc, host, revert_in=30)
    slept: list[float] = []
    timer = device(fake, etc, host)
    assert timer.revert_when_due(sleep=slept.append).startswith("the previous config was restored")
    assert 29 < slept[0] <= 30
    assert fake.running == RUNNING
    assert (etc / NS / "frr.conf").read_text() == boot_order(RUNNING)
    assert not timer.has_pending_commit()
    last = timer.events()[-1]
    assert last["event"] == "revert" and last["pid"] == os.getpid()
    with pytest.raises(FrrError, match="the confirm timer reverted the last one"):
        device(fake, etc, host).confirm_commit()


def test_the_timer_does_nothing_once_confirmed(etc: Path) -> None:
    host = FakeHost()
    host.timer_pid = os.getpid()
    fake = committed_confirmed(etc, host)
    timer = device(fake, etc, host)

    def confirmed_meanwhile(seconds: float) -> None:
        device(fake, etc, host).confirm_commit()

    assert timer.revert_when_due(sleep=confirmed_meanwhile) == "confirmed or rolled back in time"
    assert fake.running == CHANGED


def test_a_timer_that_is_not_the_recorded_one_does_not_act(etc: Path) -> None:
    host = FakeHost()  # the recorded timer is another process
    fake = committed_confirmed(etc, host)

    def never(seconds: float) -> None:
        raise AssertionError("a timer that is not the recorded one must not wait")

    assert device(fake, etc, host).revert_when_due(sleep=never) == (
        "nothing pending for this timer"
    )
    assert fake.running == CHANGED


def test_revert_in_must_be_positive(etc: Path) -> None:
    router = device(FakeFrr(RUNNING), etc)
    router.load_replace_candidate(config=CHANGED)
    with pytest.raises(FrrError, match="revert_in must be positive"):
        router.commit_config(revert_in=0)


# --- the management path


PATH = ManagementPath(
    vantage="dg-mc-01", vantage_namespace="gn-aaaaaaaa", source="10.200.0.44",
    address="10.200.0.46", timeout=2.0,
)  # fmt: skip


def test_the_probe_pings_the_loopback_from_the_vantage_router() -> None:
    calls: list[list[str]] = []

    def answers(code: int) -> Callable[..., subprocess.CompletedProcess[str]]:
        def run(args: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
            calls.append(args)
            return subprocess.CompletedProcess(args, code, "", "")

        return run

    assert probe(PATH, answers(0))
    assert calls[0][:2] == ["nsenter", "--net=/run/netns/gn-aaaaaaaa"]
    assert calls[0][2:] == [
        "ping", "-n", "-q", "-c", "1", "-i", "0.2", "-w", "2", "-I", "10.200.0.44", "10.200.0.46",
    ]  # fmt: skip
    assert not probe(PATH, answers(1))


def test_opening_a_router_cut_off_from_management_fails_as_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frr_daemons, "NETNS_RUN", tmp_path / "netns")
    monkeypatch.setattr(frr_daemons, "UTS_RUN", tmp_path / "uts")
    plugin = FrrNamespace()
    with pytest.raises(FrrError, match="no such lab router"):
        plugin.open(NS, None, None, None, "frr", PATH.as_extras())
    for folder in ("netns", "uts"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / NS).touch()
    monkeypatch.setattr(frr_connection, "probe", lambda path: path == PATH and False)
    with pytest.raises(ManagementPathDown) as raised:
        plugin.open(NS, None, None, None, "frr", PATH.as_extras())
    assert str(raised.value) == (
        f"{NS}: management path down: 10.200.0.46 does not answer from dg-mc-01 "
        "(10.200.0.44) within 2 s"
    )
    assert failure_reason(raised.value).startswith("unreachable: ")
    assert plugin.connection is None
    monkeypatch.setattr(frr_connection, "probe", lambda path: True)
    plugin.open(NS, None, None, None, "frr", PATH.as_extras())
    assert plugin.connection is not None and plugin.connection.namespace == NS
    # without a management path (a first config, from the console) nothing is probed
    monkeypatch.setattr(frr_connection, "probe", lambda path: False)
    plugin.open(NS, None, None, None, "frr", {})
    assert ManagementPath.from_extras(PATH.as_extras()) == PATH


def test_nornir_finds_the_plugin_through_its_entry_point() -> None:
    from nornir.core.plugins.connections import ConnectionPluginRegister

    ConnectionPluginRegister.auto_register()
    assert ConnectionPluginRegister.available["frr_netns"] is frr_connection.FrrNamespace


def test_a_restore_that_fails_while_daemons_restart_is_tried_again(etc: Path) -> None:
    """watchfrr restarting one more daemon mid-restore makes frr-reload.py fail (its final
    ``write`` finds a daemon missing): the daemons are awaited again and the restore redone."""
    fake = FakeFrr(RUNNING, fail_reload_of="broken line")
    failures = iter([True])

    def flaky(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        restoring = "--reload" in args and "broken line" not in Path(args[-1]).read_text()
        if restoring and next(failures, False):
            return subprocess.CompletedProcess(args, 1, "", "VtyshException: write")
        return fake(args, **kwargs)

    host = FakeHost(revival=Revival(dead=("bgpd",), by="watchfrr", seconds=1.0))
    router = device(flaky, etc, host)
    router.load_replace_candidate(config=RUNNING + "broken line\n")
    with pytest.raises(FrrError, match=r"\(bgpd down: restarted by watchfrr in 1\.0 s; bgpd"):
        router.commit_config()
    assert host.revived == 2
    assert fake.running == RUNNING
