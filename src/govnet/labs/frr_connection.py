"""A Nornir connection plugin for an FRR router running in a network namespace of this machine.

Why not SSH + Netmiko: a lab router would need an sshd per namespace, a login shell that is
vtysh and a device type Netmiko does not have (``cisco_ios`` only approximates it), and every
push would go through a terminal. FRR already ships the two tools a push needs, reachable from
the root namespace over FRR's own Unix sockets: ``vtysh -N <pathspace>`` for reading and
``frr-reload.py --pathspace <pathspace>`` for a full-config diff (``--test``) and apply
(``--reload``). The plugin wraps them behind the same method names as a NAPALM driver
(``load_replace_candidate``, ``compare_config``, ``commit_config(revert_in=…)``,
``confirm_commit``, ``has_pending_commit``, ``discard_config``, ``rollback``, ``get_config``,
``cli``), so one push task serves NAPALM and lab hosts alike.

A lab host's ``hostname`` is its namespace (= FRR pathspace). frr-reload.py runs inside the
router's network and UTS namespaces, entered through the files that keep them (never through
a daemon's PID, which dies with the daemon): outside them it would read the machine's hostname
and try to change it.

A lab router behaves like a router:

- Replace, never merge: a rendered config is the whole router. After a commit the running
  config is compared with the candidate; a commit FRR refused or dropped any line of is undone
  (the config from before is reloaded, after the router's dead daemons are back) and reported.
- Every commit, rollback and revert is saved (``frr.conf``, as ``write memory`` would), in an
  order FRR can boot from: a daemon watchfrr restarts comes back with the config it had.
- Commit-confirmed: ``commit_config(revert_in=S)`` leaves a timer process of the router's own
  (:mod:`govnet.labs.confirm_timer`) that restores the config from before unless
  ``confirm_commit()`` comes first. Its state lives in the router's pathspace
  (``/etc/frr/<ns>/govnet/``), not in this object: a fresh connection confirms or rolls back.
- Management path: with ``extras["management"]`` (what :func:`govnet.labs.nornir_lab.lab_nornir`
  passes), opening a connection first pings the router's loopback from the lab's management
  vantage point, and fails with "management path down" when it does not answer.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from govnet.labs import frr_daemons
from govnet.labs.frr_daemons import Revival, RouterDown

if TYPE_CHECKING:  # the router's confirm timer imports this module: no Nornir there
    from nornir.core.configuration import Config

CONNECTION_NAME = "frr_netns"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
RELOAD_TIMEOUT = 120.0
VTYSH_TIMEOUT = 30.0
PROBE_TIMEOUT = 3.0
STATE_FOLDER = "govnet"  # inside the pathspace
ROLLBACK_FILE = "rollback.conf"  # the config from before the last commit
PENDING_FILE = "pending.json"  # a commit waiting for confirm_commit
EVENTS_FILE = "events.jsonl"  # what happened to the router's config, one JSON object a line
LOCK_FILE = "lock"
RESTORE_ATTEMPTS = 3

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class FrrError(RuntimeError):
    """vtysh or frr-reload.py refused or failed; the message says which and why."""


class ManagementPathDown(FrrError, ConnectionError):
    """The router's loopback does not answer from the management vantage point."""


# --- the machine under a router (a fake one in unit tests)


class RouterHost(Protocol):
    """What the plugin needs of the machine a router runs on, besides running commands."""

    def enter(self) -> list[str]: ...
    def exists(self) -> bool: ...
    def dead_daemons(self) -> list[str]: ...
    def revive(self) -> Revival | None: ...
    def spawn_timer(self, state_dir: Path) -> int: ...
    def stop_timer(self, pid: int) -> bool: ...


@dataclass(frozen=True)
class NamespaceHost:
    """A router in namespace ``namespace`` of this machine (see :mod:`govnet.labs.frr_daemons`)."""

    namespace: str

    def enter(self) -> list[str]:
        return frr_daemons.enter(self.namespace)

    def exists(self) -> bool:
        return (
            frr_daemons.netns_handle(self.namespace).exists()
            and frr_daemons.uts_handle(self.namespace).exists()
        )

    def dead_daemons(self) -> list[str]:
        return frr_daemons.dead_daemons(self.namespace)

    def revive(self) -> Revival | None:
        return frr_daemons.revive(self.namespace)

    def spawn_timer(self, state_dir: Path) -> int:
        return frr_daemons.spawn_timer(self.namespace, state_dir)

    def stop_timer(self, pid: int) -> bool:
        return frr_daemons.stop_timer(pid, self.namespace)


# --- pure helpers


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


def removed_neighbors(diff: str) -> list[tuple[str, str]]:
    """The BGP neighbours a diff (:func:`reload_diff`) deletes: (``router bgp …`` context,
    ``no neighbor X remote-as N``) in order."""
    lines = diff.splitlines()
    return [
        (context[2:].strip(), line[2:].strip())
        for context, line in itertools.pairwise(lines)
        if context.startswith("- router bgp ")
        and line.startswith("-  no neighbor ")
        and " remote-as " in line
    ]


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


def config_blocks(config: str) -> list[list[str]]:
    """A config as its top-level items: a block (``interface eth1`` … ``exit``) or a single
    line; ``!`` separators are dropped."""
    blocks: list[list[str]] = []
    for line in config.splitlines():
        if not line.strip() or line.strip() == "!":
            continue
        if blocks and (line.startswith(" ") or line == "exit"):
            blocks[-1].append(line)  # a top-level ``exit`` closes the block it follows
        else:
            blocks.append([line])
    return blocks


def srv6_locators(config: str) -> str:
    """The config's top-level ``segment-routing`` block (its SRv6 locators) as text; empty
    when it has none."""
    for block in config_blocks(config):
        if block[0] == "segment-routing":
            return "\n".join(block) + "\n"
    return ""


SKIPPED_LINES = ("!", "end", "exit", "exit-address-family", "exit-vrf")


def config_lines(config: str) -> frozenset[tuple[str, ...]]:
    """Every line of an FRR config with the lines it sits under (``("router isis GOVNET",
    "is-type level-2-only")``), without separators, ``exit`` lines and the version stamp:
    two configs are the same router when their sets are equal."""
    found: set[tuple[str, ...]] = set()
    context: list[str] = []
    for raw in config.splitlines():
        line = raw.rstrip()
        text = line.strip()
        if not text or text in SKIPPED_LINES or text.startswith("frr version "):
            continue
        depth = len(line) - len(text)
        context = context[:depth]
        found.add((*context, text))
        context.append(text)
    return frozenset(found)


def boot_order(config: str) -> str:
    """``config`` as FRR can boot it: every ``router isis`` block before the first interface.

    FRR prints (and ``write memory`` saves) interfaces first. When watchfrr restarts isisd it
    loads the saved config with ``vtysh -b -d isisd``, and an interface's ``ip router isis X``
    read before area X exists is lost: the router came back without IS-IS on its links."""
    blocks = config_blocks(config)
    isis = [b for b in blocks if b[0].startswith("router isis ")]
    rest = [b for b in blocks if not b[0].startswith("router isis ")]
    first = next((i for i, b in enumerate(rest) if b[0].startswith("interface ")), len(rest))
    ordered = [*rest[:first], *isis, *rest[first:]]
    return "".join("\n".join(block) + "\n!\n" for block in ordered if block != ["end"]) + "end\n"


def _last_error(lines: list[str]) -> str:
    """The most telling line of frr-reload.py / vtysh output (an ERROR line, a ``%`` line)."""
    for marker in ("ERROR", "% ", "Error"):
        found = [line.strip() for line in lines if marker in line]
        if found:
            return found[-1]
    return lines[-1].strip() if lines else ""


def _dropped(diff: str, shown: int = 4) -> str:
    lines = diff.splitlines()
    more = f" (+{len(lines) - shown} more)" if len(lines) > shown else ""
    return "; ".join(line.strip() for line in lines[:shown]) + more


# --- the device


@dataclass(frozen=True)
class Pending:
    """A commit waiting for confirmation: its confirm timer and when it reverts."""

    timer_pid: int
    deadline: float  # seconds since the epoch
    revert_in: int


class FrrNamespaceDevice:
    """One FRR router in namespace ``namespace``; NAPALM-like candidate/commit/rollback with
    the commit state in the router's pathspace (``etc/<ns>/govnet``)."""

    def __init__(
        self,
        namespace: str,
        runner: Runner = subprocess.run,
        host: RouterHost | None = None,
        etc: Path = frr_daemons.FRR_ETC,
    ) -> None:
        self.namespace = namespace
        self._run = runner
        self._host: RouterHost = host or NamespaceHost(namespace)
        self.pathspace = etc / namespace
        self.state_dir = self.pathspace / STATE_FOLDER
        self._candidate: str | None = None
        # the running config compare_config diffed the candidate against: commit_config's
        # restore point (a push diffs then commits at once; one vtysh call less per router)
        self._compared: str | None = None
        self._diff = ""  # the last compare_config's, for the commit of the same candidate

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
        if not self._host.exists():
            raise FrrError(f"{self.namespace}: the router's namespaces are gone")

        def reload(path: str) -> str:
            args = [*self._host.enter(), FRR_RELOAD, "--pathspace", self.namespace, mode, path]
            return self._call(args, RELOAD_TIMEOUT, f"frr-reload.py {mode}")

        return self._with_file(text, reload)

    def _load_whole(self, text: str) -> None:
        """``vtysh -f``: every line of ``text`` in configuration mode, as FRR boots a config."""

        def load(path: str) -> str:
            args = [*self._host.enter(), "vtysh", "-N", self.namespace, "-f", path]
            return self._call(args, RELOAD_TIMEOUT, "vtysh -f")

        self._with_file(text, load)

    def running_config(self) -> str:
        """``show running-config`` without vtysh's "Building configuration…" preamble (which
        frr-reload.py cannot read back)."""
        lines = self.vtysh("show running-config").splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("frr ")), 0)
        return "\n".join(lines[start:]) + "\n"

    def vtysh(self, *commands: str) -> str:
        """vtysh inside the router's namespaces: from the machine's own UTS namespace it adds
        a second ``hostname`` line (the machine's) to ``show running-config``."""
        args = [*self._host.enter(), "vtysh", "-N", self.namespace]
        for command in commands:
            args += ["-c", command]
        return self._call(args, VTYSH_TIMEOUT, f"vtysh {' / '.join(commands)}")

    def vtysh_json(self, command: str) -> Any:
        text = self.vtysh(command)
        try:
            return json.loads(text or "{}")
        except json.JSONDecodeError as error:
            raise FrrError(f"{self.namespace}: {command}: not JSON ({error})") from error

    # --- state in the pathspace

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One change at a time per router: a push, a confirm, a rollback, its timer."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.state_dir / LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def pending(self) -> Pending | None:
        try:
            data = json.loads((self.state_dir / PENDING_FILE).read_text())
        except (OSError, ValueError):
            return None
        return Pending(int(data["timer_pid"]), float(data["deadline"]), int(data["revert_in"]))

    def _write(self, name: str, text: str) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / name
        temporary = path.with_name(path.name + ".new")
        temporary.write_text(text)
        temporary.replace(path)

    def _forget(self, *names: str) -> None:
        for name in names:
            (self.state_dir / name).unlink(missing_ok=True)

    def _rollback_point(self) -> str | None:
        try:
            return (self.state_dir / ROLLBACK_FILE).read_text()
        except OSError:
            return None

    def log(self, event: str, **details: Any) -> None:
        """One line of the router's config history (``events.jsonl`` in its pathspace)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        record = {"time": round(time.time(), 3), "event": event, "pid": os.getpid(), **details}
        with (self.state_dir / EVENTS_FILE).open("a") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")

    def events(self) -> list[dict[str, Any]]:
        try:
            lines = (self.state_dir / EVENTS_FILE).read_text().splitlines()
        except OSError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def save(self, config: str) -> None:
        """``write memory``: ``config`` (running now) as the router's boot config, in boot
        order, replaced atomically."""
        path = self.pathspace / "frr.conf"
        temporary = path.with_name("frr.conf.govnet-new")
        temporary.write_text(boot_order(config))
        os.chmod(temporary, 0o640)
        with contextlib.suppress(LookupError, OSError):
            shutil.chown(temporary, "frr", "frr")
        temporary.replace(path)

    # --- apply, check, restore

    def _apply(self, before: str, config: str, diff: str = "") -> None:
        """``config`` in place of ``before``; ``diff``, frr-reload.py's from ``compare_config``
        (empty: not known), lets whole BGP neighbours go in one vtysh call."""
        if is_bootstrap(before):
            self._load_whole(config)
            return
        self._remove_neighbors(removed_neighbors(diff))
        locators = srv6_locators(config)
        if locators and config_lines(locators) - config_lines(before):
            # frr-reload.py 8.4 sends a new locator's `prefix` outside its context ("Unknown
            # command"): the block goes in whole first, as FRR boots it, then the rest
            self._load_whole(locators)
        self._reload("--reload", config)

    def _remove_neighbors(self, removed: list[tuple[str, str]]) -> None:
        """frr-reload.py sends every deleted line in a vtysh call of its own: removing the
        IPv4 sessions of a reflector with 60 clients took over 120 s here. Each neighbour's
        ``no neighbor X remote-as N`` (which takes all its lines with it) goes first, all in
        one call; frr-reload.py then finds only what is left."""
        if not removed:
            return
        args = ["configure"]
        for context, line in removed:
            args += [context, line, "exit"]
        self.vtysh(*args)

    def _check_runs(self, config: str) -> None:
        """The router runs ``config``: every line of it is in the running config and nothing
        else is; where a line differs, frr-reload.py (which knows FRR's equivalent forms)
        has the last word."""
        if config_lines(self.running_config()) == config_lines(config):
            return
        diff = reload_diff(self._reload("--test", config))
        if diff:
            count = len(diff.splitlines())
            raise FrrError(
                f"{self.namespace}: the running config differs from the one pushed in "
                f"{count} lines (FRR refused or dropped them): {_dropped(diff)}"
            )

    def restore(self, config: str) -> str:
        """Make the router run ``config`` again whatever happened to its daemons (dead ones
        restarted first, and again if one more goes down while restoring), check it and save
        it; what was done, in words."""
        revivals: list[Revival] = []
        for attempt in range(1, RESTORE_ATTEMPTS + 1):
            try:
                revival = self._host.revive()
            except RouterDown as error:
                raise FrrError(f"{self.namespace}: {error}") from error
            if revival is not None:
                revivals.append(revival)
            try:
                self._reload("--reload", config)
                self._check_runs(config)
                break
            except FrrError:
                if attempt == RESTORE_ATTEMPTS:
                    raise
        self.save(config)
        done = "the previous config was restored, checked and saved"
        return "; ".join([*(r.describe() for r in revivals), done])

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
        self._diff = reload_diff(self._reload("--test", self._candidate))
        return self._diff

    def discard_config(self) -> None:
        self._candidate = None
        self._compared = None
        self._diff = ""

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Replace the running config by the candidate, check that FRR runs all of it, save
        it. With ``revert_in``, the router's confirm timer restores the config from before
        after that many seconds unless :meth:`confirm_commit` comes first. A commit that fails
        (refused lines, dropped lines, daemons dying) is undone before this raises."""
        if self._candidate is None:
            raise FrrError(f"{self.namespace}: nothing to commit")
        if revert_in is not None and revert_in <= 0:
            raise FrrError(f"{self.namespace}: revert_in must be positive, not {revert_in}")
        candidate = self._candidate
        with self._locked():
            if self.pending() is not None:
                raise FrrError(
                    f"{self.namespace}: a commit is waiting for confirmation: confirm it or "
                    "roll it back first"
                )
            dead = self._host.dead_daemons()
            if dead:
                raise FrrError(
                    f"{self.namespace}: FRR daemons down before the commit ({', '.join(dead)}): "
                    "nothing was changed"
                )
            before = self._compared if self._compared is not None else self.running_config()
            diff = self._diff if self._compared is not None else ""
            self._compared, self._diff = None, ""
            try:
                self._apply(before, candidate, diff)
                self._check_runs(candidate)
                self.save(candidate)
                self._write(ROLLBACK_FILE, before)
                if revert_in is not None:
                    self._start_timer(revert_in)
            except FrrError as error:
                self._forget(PENDING_FILE)
                raise self._undo(error, before) from error
            self.log("commit", message=message, revert_in=revert_in)
        self._candidate = None

    def _undo(self, error: FrrError, before: str) -> FrrError:
        try:
            what = self.restore(before)
        except FrrError as restore:
            self.log("commit failed", error=str(error), restored=False, detail=str(restore))
            return FrrError(
                f"{error}; restoring the previous config failed too: {restore} (the router "
                "is left as it is)"
            )
        self.log("commit failed", error=str(error), restored=True, detail=what)
        return FrrError(f"{error} ({what})")

    def _start_timer(self, revert_in: int) -> None:
        # The timer waits on the lock held here, then reads this file: it never sees a
        # commit without its deadline.
        pid = self._host.spawn_timer(self.state_dir)
        pending = {"timer_pid": pid, "deadline": time.time() + revert_in, "revert_in": revert_in}
        self._write(PENDING_FILE, json.dumps(pending))

    def has_pending_commit(self) -> bool:
        return self.pending() is not None

    def confirm_commit(self) -> None:
        """Keep the pending commit: its timer is stopped (by PID, if still that process)."""
        with self._locked():
            pending = self.pending()
            if pending is None:
                raise FrrError(f"{self.namespace}: no commit to confirm{self._why_none()}")
            self._host.stop_timer(pending.timer_pid)
            self._forget(PENDING_FILE)
            self.log("confirm", timer_pid=pending.timer_pid)

    def _why_none(self) -> str:
        reverts = [e for e in self.events() if e.get("event") in ("commit", "revert")]
        if reverts and reverts[-1]["event"] == "revert":
            return f" (the confirm timer reverted the last one: {reverts[-1].get('detail', '')})"
        return ""

    def rollback(self) -> None:
        """Cancel the pending commit (restore now, stop its timer), or undo the last commit."""
        with self._locked():
            pending = self.pending()
            before = self._rollback_point()
            if before is None:
                raise FrrError(f"{self.namespace}: no commit to roll back{self._why_none()}")
            if pending is not None:
                self._host.stop_timer(pending.timer_pid)
            what = self.restore(before)
            self._forget(PENDING_FILE, ROLLBACK_FILE)
            self.log("rollback", pending=pending is not None, detail=what)

    def revert_when_due(self, sleep: Callable[[float], None] = time.sleep) -> str:
        """What the router's confirm timer does (run by :mod:`govnet.labs.confirm_timer`, in
        the router's own process): wait until the pending commit's deadline, then, unless it
        was confirmed or rolled back meanwhile, restore the config from before exactly as
        :meth:`rollback` would. What happened, in words."""
        with self._locked():  # the commit that started this timer holds it until recorded
            pending = self.pending()
        if pending is None or pending.timer_pid != os.getpid():
            return "nothing pending for this timer"
        sleep(max(0.0, pending.deadline - time.time()))
        with self._locked():
            now = self.pending()
            before = self._rollback_point()
            if now != pending or before is None:
                return "confirmed or rolled back in time"
            try:
                what = self.restore(before)
            except FrrError as error:
                self.log("revert failed", detail=str(error))
                raise
            self._forget(PENDING_FILE, ROLLBACK_FILE)
            self.log("revert", revert_in=pending.revert_in, detail=what)
            return what


# --- the management path


@dataclass(frozen=True)
class ManagementPath:
    """Where the lab's management station stands and the address it manages a router by."""

    vantage: str  # the device standing in for the NOC
    vantage_namespace: str
    source: str  # pings leave from it: the vantage's loopback, or the NOC's address (a CE)
    address: str  # the managed router's loopback, or a bureau CE's management address
    timeout: float = PROBE_TIMEOUT

    def as_extras(self) -> dict[str, Any]:
        return {"management": self.__dict__.copy()}

    @classmethod
    def from_extras(cls, extras: dict[str, Any] | None) -> ManagementPath | None:
        found = (extras or {}).get("management")
        return cls(**found) if isinstance(found, dict) else None


def probe(path: ManagementPath, runner: Runner = subprocess.run) -> bool:
    """The router answers a ping at ``path.address`` from ``path.source`` in the vantage's
    namespace (one reply, retried every 0.2 s, within ``path.timeout`` seconds)."""
    args = [
        "nsenter", f"--net={frr_daemons.netns_handle(path.vantage_namespace)}",
        "ping", "-n", "-q", "-c", "1", "-i", "0.2", "-w", f"{path.timeout:g}",
        "-I", path.source, path.address,
    ]  # fmt: skip
    try:
        done = runner(args, capture_output=True, text=True, timeout=path.timeout + 5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


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
        if not NamespaceHost(hostname).exists():
            raise FrrError(f"{hostname}: no such lab router (its namespaces are gone)")
        management = ManagementPath.from_extras(extras)
        if management is not None and not probe(management):
            raise ManagementPathDown(
                f"{hostname}: management path down: {management.address} does not answer "
                f"from {management.vantage} ({management.source}) within "
                f"{management.timeout:g} s"
            )
        self.connection = device

    def close(self) -> None:
        self.connection = None


def register() -> None:
    """Make ``frr_netns`` known to Nornir (the entry point does this for InitNornir)."""
    from nornir.core.plugins.connections import ConnectionPluginRegister

    if CONNECTION_NAME not in ConnectionPluginRegister.available:
        ConnectionPluginRegister.register(CONNECTION_NAME, FrrNamespace)
