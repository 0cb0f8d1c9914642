"""One lab router as the machine sees it: its namespaces, its FRR daemons, its confirm timer.

Everything here is found from the namespace name alone, never from a PID recorded earlier:

- the network namespace is the file ``ip netns`` keeps (``/run/netns/<ns>``) and the UTS
  namespace a file bind-mounted the same way at lab creation (``/run/govnet/uts/<ns>``), so a
  command enters the router (``nsenter --net=… --uts=…``) whichever daemon is alive;
- a daemon is alive when the PID in its FRR pid file (``/var/run/frr/<ns>/<daemon>.pid``) is a
  running FRR binary started for this pathspace (a killed daemon nobody reaped is a zombie with
  an empty command line: dead);
- watchfrr restarts a dead daemon and loads its part of the saved config (``vtysh -b -d``)
  in a child process; while that child runs the router is still coming back.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FRR_ETC = Path("/etc/frr")
FRR_RUN = Path("/var/run/frr")
NETNS_RUN = Path("/run/netns")
UTS_RUN = Path("/run/govnet/uts")
FRR_BIN = "/usr/lib/frr/"
FRRINIT = "/usr/lib/frr/frrinit.sh"
FRRCOMMON = "/usr/lib/frr/frrcommon.sh"
DAEMONS = ("zebra", "staticd", "isisd", "bgpd", "bfdd")  # zebra first: the others need it
SUPERVISOR = "watchfrr"
TIMER_MODULE = "govnet.labs.confirm_timer"
WATCHFRR_GRACE = 10.0  # watchfrr restarts a daemon within seconds, unless it did so < 60 s ago
REVIVE_TIMEOUT = 60.0
STEADY = 2.0  # seconds the daemons' PIDs must stay the same before a restore


class RouterDown(RuntimeError):
    """The router's namespaces are gone or its daemons could not be brought back."""


def netns_handle(ns: str) -> Path:
    return NETNS_RUN / ns


def uts_handle(ns: str) -> Path:
    return UTS_RUN / ns


def enter(ns: str) -> list[str]:
    """The command prefix that runs a program inside the router's network and UTS namespaces
    (its hostname: frr-reload.py would otherwise try to set the machine's)."""
    return ["nsenter", f"--net={netns_handle(ns)}", f"--uts={uts_handle(ns)}"]


def create_uts(ns: str, hostname: str) -> None:
    """A UTS namespace named after the router, kept by a bind mount as ``ip netns`` keeps a
    network namespace (so it outlives every process in it)."""
    UTS_RUN.mkdir(parents=True, exist_ok=True)
    handle = uts_handle(ns)
    handle.touch()
    _run(["unshare", f"--uts={handle}", "hostname", hostname])


def remove_uts(ns: str) -> None:
    handle = uts_handle(ns)
    if not handle.exists():
        return
    subprocess.run(["umount", str(handle)], capture_output=True, check=False, timeout=10)
    handle.unlink(missing_ok=True)


# --- daemons


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def is_our_daemon(pid: int, ns: str) -> bool:
    """Alive, an FRR binary, and started for pathspace ``ns`` (``-N ns``)."""
    args = cmdline(pid)
    if not args or not args[0].startswith(FRR_BIN):
        return False
    return any(a == "-N" and b == ns for a, b in itertools.pairwise(args))


def pid_files(ns: str) -> dict[str, int]:
    """daemon -> PID from ``/var/run/frr/<ns>/*.pid``."""
    result: dict[str, int] = {}
    folder = FRR_RUN / ns
    if not folder.is_dir():
        return result
    for path in sorted(folder.glob("*.pid")):
        try:
            result[path.stem] = int(path.read_text().strip())
        except (OSError, ValueError):
            continue
    return result


def live_daemons(ns: str) -> dict[str, int | None]:
    """Every daemon of a lab router (watchfrr included) -> its live PID, or None when dead."""
    found = pid_files(ns)
    return {
        daemon: pid if (pid := found.get(daemon)) is not None and is_our_daemon(pid, ns) else None
        for daemon in (*DAEMONS, SUPERVISOR)
    }


def dead_daemons(ns: str) -> list[str]:
    return [daemon for daemon, pid in live_daemons(ns).items() if pid is None]


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def children(pid: int) -> list[int]:
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _parent(int(p.name)) == pid
    ]


def restarting(ns: str) -> bool:
    """watchfrr is running its restart command (start a daemon, load its saved config)."""
    supervisor = live_daemons(ns)[SUPERVISOR]
    return supervisor is not None and bool(children(supervisor))


@dataclass(frozen=True)
class Revival:
    """Daemons found dead before a restore and how they came back."""

    dead: tuple[str, ...]
    by: str  # "watchfrr" or "govnet"
    seconds: float

    def describe(self) -> str:
        return f"{', '.join(self.dead)} down: restarted by {self.by} in {self.seconds:.1f} s"


def revive(
    ns: str,
    grace: float = WATCHFRR_GRACE,
    timeout: float = REVIVE_TIMEOUT,
    steady: float = STEADY,
) -> Revival | None:
    """Every daemon of the router running with its saved config, or :class:`RouterDown`.
    watchfrr gets ``grace`` seconds to restart the dead ones (it will not restart a daemon it
    restarted less than a minute ago, and after zebra it restarts the others too); what it has
    not restarted by then is started here, the way watchfrr would (frrcommon.sh's
    ``daemon_start``, which loads the saved config). Done when the same PIDs have run for
    ``steady`` seconds with no restart under way."""
    if not netns_handle(ns).exists():
        raise RouterDown(f"{ns}: the router's network namespace is gone")
    dead = dead_daemons(ns)
    if not dead and not restarting(ns):
        return None
    start = time.monotonic()
    by = "watchfrr"
    seen: dict[str, int | None] = {}
    steady_since = start
    while True:
        now = live_daemons(ns)
        elapsed = time.monotonic() - start
        if now != seen or None in now.values() or restarting(ns):
            seen, steady_since = now, time.monotonic()
        elif time.monotonic() - steady_since >= steady:
            return Revival(dead=tuple(dead), by=by, seconds=steady_since - start)
        if elapsed > timeout:
            down = [d for d, pid in now.items() if pid is None]
            raise RouterDown(
                f"{ns}: {', '.join(down) or 'daemons'} not steady after {timeout:.0f} s"
            )
        missing = [d for d, pid in now.items() if pid is None]
        if elapsed > grace and by == "watchfrr" and missing and not restarting(ns):
            by = "govnet"
            start_daemons(ns, missing)
        time.sleep(0.2)


def start_daemons(ns: str, daemons: list[str]) -> None:
    """Start ``daemons`` inside the router: without watchfrr, FRR's own start (watchfrr then
    starts what is missing); otherwise each daemon as watchfrr's restart command does."""
    inside = ["ip", "netns", "exec", ns, "nsenter", f"--uts={uts_handle(ns)}"]
    if SUPERVISOR in daemons:
        _run([*inside, FRRINIT, "start", ns], timeout=120.0)
        return
    script = f'. {FRRCOMMON}; for d in "$@"; do daemon_start "$d"; done'
    ordered = [d for d in DAEMONS if d in daemons]
    env = {**os.environ, "FRR_PATHSPACE": ns}
    _run([*inside, "sh", "-c", script, "sh", *ordered], timeout=120.0, env=env)


def _run(args: list[str], timeout: float = 30.0, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    if done.returncode != 0:
        raise RouterDown(f"{' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


# --- the confirm timer: a process of the router's, not of govnet's


def spawn_timer(ns: str, state_dir: Path) -> int:
    """Start the router's confirm timer (see :mod:`govnet.labs.confirm_timer`) inside its
    namespaces, in a session of its own so that it outlives the govnet process; its PID."""
    log = (state_dir / "confirm-timer.log").open("a")
    with log:
        process = subprocess.Popen(
            [*enter(ns), sys.executable, "-m", TIMER_MODULE, ns, str(state_dir)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )
    return process.pid


def is_timer(pid: int, ns: str) -> bool:
    args = cmdline(pid)
    return TIMER_MODULE in args and ns in args


def stop_timer(pid: int, ns: str) -> bool:
    """Stop the router's confirm timer by PID (only if that PID still is it); whether it ran."""
    if not is_timer(pid, ns):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 5.0
    while is_timer(pid, ns) and time.monotonic() < deadline:
        time.sleep(0.02)
    return True
