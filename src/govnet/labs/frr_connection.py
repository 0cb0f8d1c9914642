"""A Nornir connection plugin for an FRR router running in a network namespace of this machine.

Why not SSH + Netmiko: a lab router would need an sshd per namespace, a login shell that is
vtysh and a device type Netmiko does not have (``cisco_ios`` only approximates it), and every
push would go through a terminal. FRR already ships the two tools a push needs, reachable from
the root namespace over FRR's own Unix sockets: ``vtysh -N <pathspace>`` for reading and
``frr-reload.py --pathspace <pathspace>`` for a full-config diff (``--test``) and apply
(``--reload``). The plugin wraps them behind the same method names as a NAPALM driver
(``load_replace_candidate``, ``compare_config``, ``commit_config``, ``discard_config``,
``rollback``, ``get_config``, ``cli``), so one push task serves NAPALM and lab hosts alike.

A lab host's ``hostname`` is its namespace (= FRR pathspace). frr-reload.py runs inside the
router's network and UTS namespaces (``nsenter`` on zebra's PID): outside them it would read
the machine's hostname and try to change it.

Replace, never merge: a rendered config is the whole router. A commit that FRR refuses part of
is undone at once (the running config from before the commit is reloaded) and reported as an
error, so a router is never left half-configured.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nornir.core.configuration import Config
from nornir.core.plugins.connections import ConnectionPluginRegister

CONNECTION_NAME = "frr_netns"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
FRR_RUN = Path("/var/run/frr")
RELOAD_TIMEOUT = 120.0
VTYSH_TIMEOUT = 30.0

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class FrrError(RuntimeError):
    """vtysh or frr-reload.py refused or failed; the message says which and why."""


def reload_diff(output: str) -> str:
    """The two sections ``frr-reload.py --test`` prints, as one diff: ``- `` before every line
    to delete (shown as the ``no …`` FRR will send, under its context), ``+ `` before every
    line to add; ``""`` when the two configs are the same."""
    lines: list[str] = []
    section = ""
    for raw in output.splitlines():
        text = raw.rstrip()
        if text in ("Lines To Delete", "Lines To Add"):
            section = "-" if text == "Lines To Delete" else "+"
            continue
        if not section or not text or set(text) == {"="}:
            continue
        lines.append(f"{section} {text}")
    return "\n".join(lines) + ("\n" if lines else "")


class FrrNamespaceDevice:
    """One FRR router in namespace ``namespace``; NAPALM-like candidate/commit/rollback."""

    def __init__(self, namespace: str, runner: Runner = subprocess.run) -> None:
        self.namespace = namespace
        self._run = runner
        self._candidate: str | None = None
        self._rollback_point: str | None = None
        # the running config compare_config diffed the candidate against: commit_config's
        # restore point (a push diffs then commits at once; one vtysh call less per router)
        self._compared: str | None = None

    # --- plumbing

    def _call(self, args: list[str], timeout: float, what: str) -> str:
        try:
            done = self._run(args, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise FrrError(f"{self.namespace}: {what} timed out after {timeout:.0f} s") from error
        except OSError as error:
            raise FrrError(f"{self.namespace}: {what}: {error}") from error
        if done.returncode != 0:
            detail = (done.stderr or done.stdout or "").strip().splitlines()
            reason = _last_error(detail) or f"exit {done.returncode}"
            raise FrrError(f"{self.namespace}: {what} failed: {reason}")
        return done.stdout

    def _zebra_pid(self) -> int:
        path = FRR_RUN / self.namespace / "zebra.pid"
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError) as error:
            raise FrrError(f"{self.namespace}: FRR is not running ({path}: {error})") from error

    def _with_file(self, text: str, action: Callable[[str], str]) -> str:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".conf", prefix=f"govnet-{self.namespace}-", delete=False
        ) as handle:
            handle.write(text)
            path = handle.name
        try:
            os.chmod(path, 0o644)
            return action(path)
        finally:
            Path(path).unlink(missing_ok=True)

    def _reload(self, mode: str, text: str) -> str:
        """frr-reload.py ``--test`` or ``--reload`` of ``text`` inside the router's namespaces."""

        def reload(path: str) -> str:
            args = [
                "nsenter", "-t", str(self._zebra_pid()), "-u", "-n",
                FRR_RELOAD, "--pathspace", self.namespace, mode, path,
            ]  # fmt: skip
            return self._call(args, RELOAD_TIMEOUT, f"frr-reload.py {mode}")

        return self._with_file(text, reload)

    def _load_whole(self, text: str) -> None:
        """``vtysh -f``: every line of ``text`` in configuration mode, as FRR boots a config."""

        def load(path: str) -> str:
            args = ["vtysh", "-N", self.namespace, "-f", path]
            return self._call(args, RELOAD_TIMEOUT, "vtysh -f")

        self._with_file(text, load)

    def running_config(self) -> str:
        """``show running-config`` without vtysh's "Building configuration…" preamble (which
        frr-reload.py cannot read back)."""
        lines = self.vtysh("show running-config").splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("frr ")), 0)
        return "\n".join(lines[start:]) + "\n"

    def vtysh(self, *commands: str) -> str:
        args = ["vtysh", "-N", self.namespace]
        for command in commands:
            args += ["-c", command]
        return self._call(args, VTYSH_TIMEOUT, f"vtysh {' / '.join(commands)}")

    def vtysh_json(self, command: str) -> Any:
        text = self.vtysh(command)
        try:
            return json.loads(text or "{}")
        except json.JSONDecodeError as error:
            raise FrrError(f"{self.namespace}: {command}: not JSON ({error})") from error

    # --- the NAPALM-like surface

    def cli(self, commands: list[str]) -> dict[str, str]:
        return {command: self.vtysh(command) for command in commands}

    def get_config(self, retrieve: str = "all") -> dict[str, str]:
        running = self.running_config() if retrieve in ("all", "running") else ""
        return {"running": running, "startup": "", "candidate": self._candidate or ""}

    def load_replace_candidate(
        self, config: str | None = None, filename: str | None = None
    ) -> None:
        if config is None and filename is None:
            raise FrrError(f"{self.namespace}: no candidate config given")
        self._candidate = config if config is not None else Path(str(filename)).read_text()
        self._compared = None

    def load_merge_candidate(self, config: str | None = None, filename: str | None = None) -> None:
        raise FrrError(
            f"{self.namespace}: a rendered FRR config is the whole router: replace, not merge"
        )

    def compare_config(self) -> str:
        """frr-reload.py's diff; against a router that runs only its bootstrap config, every
        line of the candidate is an addition (no need to start frr-reload.py to learn that)."""
        if self._candidate is None:
            return ""
        self._compared = self.running_config()
        if is_bootstrap(self._compared):
            return whole_config_diff(self._candidate)
        return reload_diff(self._reload("--test", self._candidate))

    def discard_config(self) -> None:
        self._candidate = None
        self._compared = None

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        if self._candidate is None:
            raise FrrError(f"{self.namespace}: nothing to commit")
        before = self._compared if self._compared is not None else self.running_config()
        self._compared = None
        try:
            if is_bootstrap(before):
                self._load_whole(self._candidate)
            else:
                self._reload("--reload", self._candidate)
            self.vtysh("write memory")
        except FrrError as error:
            try:
                self._reload("--reload", before)
            except FrrError as restore:
                raise FrrError(
                    f"{error}; restoring the previous config failed too: {restore}"
                ) from error
            raise FrrError(f"{error} (the previous config was restored)") from error
        self._rollback_point = before
        self._candidate = None

    def has_pending_commit(self) -> bool:
        return False

    def rollback(self) -> None:
        """Back to the running config from before the last commit."""
        if self._rollback_point is None:
            raise FrrError(f"{self.namespace}: no commit to roll back")
        self._reload("--reload", self._rollback_point)
        self.vtysh("write memory")
        self._rollback_point = None


def whole_config_diff(config: str) -> str:
    """A config as additions only: ``+ `` before each line that is not a separator."""
    lines = [f"+ {line.rstrip()}" for line in config.splitlines() if line.strip() not in ("", "!")]
    return "\n".join(lines) + ("\n" if lines else "")


def is_bootstrap(running: str) -> bool:
    """A router that runs only its bootstrap config (no interface, no routing protocol yet).

    Its first config is loaded whole with ``vtysh -f``, as FRR boots one: frr-reload.py 8.4
    cannot apply lines inside ``segment-routing / srv6 / locators`` (it sends ``prefix …``
    outside its context), and from an empty router its diff is the whole config anyway.
    Later pushes go through frr-reload.py and apply only the difference."""
    return not any(line.startswith(("interface ", "router ")) for line in running.splitlines())


def _last_error(lines: list[str]) -> str:
    """The most telling line of frr-reload.py / vtysh output (an ERROR line, a ``%`` line)."""
    for marker in ("ERROR", "% ", "Error"):
        found = [line.strip() for line in lines if marker in line]
        if found:
            return found[-1]
    return lines[-1].strip() if lines else ""


class FrrNamespace:
    """The Nornir connection plugin (``frr_netns``): ``hostname`` is the namespace."""

    def __init__(self) -> None:
        self.connection: FrrNamespaceDevice | None = None

    def open(
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        if not hostname:
            raise FrrError("a lab host needs its namespace as hostname")
        device = FrrNamespaceDevice(hostname)
        device._zebra_pid()  # fail at open, like a refused connection, when FRR is not running
        self.connection = device

    def close(self) -> None:
        self.connection = None


def register() -> None:
    """Make ``frr_netns`` known to Nornir (the entry point does this for InitNornir)."""
    if CONNECTION_NAME not in ConnectionPluginRegister.available:
        ConnectionPluginRegister.register(CONNECTION_NAME, FrrNamespace)
