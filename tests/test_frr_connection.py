"""The lab's Nornir connection (frr_netns) without a lab: the commands it runs, the diff it
reads from frr-reload.py, and what it does when FRR refuses a config."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from govnet.labs import frr_connection
from govnet.labs.frr_connection import (
    FRR_RELOAD,
    FrrError,
    FrrNamespaceDevice,
    is_bootstrap,
    reload_diff,
)

DATA = Path(__file__).parent / "data" / "frr"
NS = "gn-12345678"
BOOTSTRAP = "frr version 8.4.4\nfrr defaults traditional\nhostname dg-humen\n!\nend\n"
RUNNING = BOOTSTRAP + "interface eth1\n ip address 10.0.0.1/31\nexit\nrouter isis GOVNET\nexit\n"


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


class FakeFrr:
    """Stands in for subprocess.run: answers vtysh and frr-reload.py, records every call and
    the file each frr-reload.py / vtysh -f call was given."""

    def __init__(self, running: str, fail_reload_of: str | None = None) -> None:
        self.running = running
        self.fail_reload_of = fail_reload_of
        self.calls: list[list[str]] = []
        self.files: list[str] = []

    def __call__(self, args: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        if FRR_RELOAD in args or (args[:2] == ["vtysh", "-N"] and "-f" in args):
            text = Path(args[-1]).read_text()
            self.files.append(text)
            if "--test" in args:
                out = (DATA / "reload_test_output.txt").read_text()
                return subprocess.CompletedProcess(args, 0, out, "")
            if self.fail_reload_of is not None and self.fail_reload_of in text:
                return subprocess.CompletedProcess(args, 1, "", "line 3: % Unknown command: bad")
            self.running = text
            return subprocess.CompletedProcess(args, 0, "", "")
        if args[-1] == "show running-config":
            return subprocess.CompletedProcess(
                args, 0, "Building configuration...\n\n" + self.running, ""
            )
        return subprocess.CompletedProcess(args, 0, "", "")


@pytest.fixture
def zebra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / NS).mkdir()
    (tmp_path / NS / "zebra.pid").write_text("4242\n")
    monkeypatch.setattr(frr_connection, "FRR_RUN", tmp_path)


def kinds(calls: list[list[str]]) -> list[str]:
    """Each call as a short label."""
    labels = []
    for args in calls:
        if FRR_RELOAD in args:
            assert args[:5] == ["nsenter", "-t", "4242", "-u", "-n"]
            labels.append(
                "reload " + next(a for a in args if a.startswith("--") and a != "--pathspace")
            )
        elif "-f" in args:
            labels.append("vtysh -f")
        else:
            labels.append("vtysh " + args[-1])
    return labels


def device(fake: Callable[..., Any]) -> FrrNamespaceDevice:
    return FrrNamespaceDevice(NS, runner=fake)


def test_compare_runs_frr_reload_test_inside_the_router(zebra: None) -> None:
    fake = FakeFrr(RUNNING)
    router = device(fake)
    router.load_replace_candidate(config="candidate config\n")
    assert router.compare_config().startswith("- interface lan0.100\n")
    assert kinds(fake.calls) == ["vtysh show running-config", "reload --test"]
    assert fake.calls[1][5:8] == [FRR_RELOAD, "--pathspace", NS]
    assert fake.files == ["candidate config\n"]


def test_against_a_bootstrap_router_the_whole_config_is_the_diff(zebra: None) -> None:
    fake = FakeFrr(BOOTSTRAP)
    router = device(fake)
    router.load_replace_candidate(
        config="hostname dg-humen\n!\ninterface eth1\n ip address 10.0.0.1/31\n"
    )
    assert router.compare_config() == (
        "+ hostname dg-humen\n+ interface eth1\n+  ip address 10.0.0.1/31\n"
    )
    assert kinds(fake.calls) == ["vtysh show running-config"]  # no frr-reload.py started


def test_first_commit_loads_the_whole_config(zebra: None) -> None:
    fake = FakeFrr(BOOTSTRAP)
    router = device(fake)
    router.load_replace_candidate(config=RUNNING)
    router.commit_config()
    assert kinds(fake.calls) == ["vtysh show running-config", "vtysh -f", "vtysh write memory"]


def test_a_push_reads_the_running_config_once(zebra: None) -> None:
    """Diff then commit (what a push does): the config diffed against is the restore point;
    a new candidate or a discard forgets it."""
    fake = FakeFrr(BOOTSTRAP)
    router = device(fake)
    router.load_replace_candidate(config=RUNNING)
    router.compare_config()
    router.commit_config()
    assert kinds(fake.calls) == ["vtysh show running-config", "vtysh -f", "vtysh write memory"]
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


def test_later_commits_reload_and_rollback_restores_the_config_before(zebra: None) -> None:
    fake = FakeFrr(RUNNING)
    router = device(fake)
    router.load_replace_candidate(config=RUNNING + "router bgp 65010\nexit\n")
    router.commit_config()
    router.rollback()
    assert kinds(fake.calls) == [
        "vtysh show running-config",
        "reload --reload",
        "vtysh write memory",
        "reload --reload",
        "vtysh write memory",
    ]
    # the rollback reloaded the running config as it was, without vtysh's preamble
    assert fake.files[-1] == RUNNING
    with pytest.raises(FrrError, match="no commit to roll back"):
        router.rollback()


def test_a_refused_commit_is_undone_and_reported(zebra: None) -> None:
    fake = FakeFrr(RUNNING, fail_reload_of="broken line")
    router = device(fake)
    router.load_replace_candidate(config=RUNNING + "broken line\n")
    with pytest.raises(
        FrrError, match=r"Unknown command: bad \(the previous config was restored\)"
    ):
        router.commit_config()
    assert kinds(fake.calls) == ["vtysh show running-config", "reload --reload", "reload --reload"]
    assert fake.files[-1] == RUNNING and fake.running == RUNNING


def test_merge_is_refused_and_a_stopped_router_is_named(zebra: None, tmp_path: Path) -> None:
    router = device(FakeFrr(RUNNING))
    with pytest.raises(FrrError, match="replace, not merge"):
        router.load_merge_candidate(config="x")
    (tmp_path / NS / "zebra.pid").unlink()
    router.load_replace_candidate(config="x")
    with pytest.raises(FrrError, match=f"{NS}: FRR is not running"):
        router.compare_config()


def test_nornir_finds_the_plugin_through_its_entry_point() -> None:
    from nornir.core.plugins.connections import ConnectionPluginRegister

    ConnectionPluginRegister.auto_register()
    assert ConnectionPluginRegister.available["frr_netns"] is frr_connection.FrrNamespace
