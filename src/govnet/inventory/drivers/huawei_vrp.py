"""napalm-huawei-vrp's ``VRPDriver`` completed for a safe push to VRP8 (NE40E/NE8000).

The community driver (1.2.0) commits without a revert timer, has no ``confirm_commit`` nor
``has_pending_commit``, rolls back from a backup file it writes to flash, and checks a merge for
the word "error" anywhere in the device's answers. :class:`HuaweiVRPDriver` keeps its session,
``cli`` and diff, and replaces the commit path with VRP8's own two-stage configuration, over the
driver's Netmiko session (``self.device``):

* the candidate is entered in ``system-view`` (two-stage mode, prompt ``[~HOST]``) line by
  line, each view entered and left by the config's indentation (``quit`` per level); any
  ``Error:`` line, any question the device asks, or leaving the configuration views stops the
  push: ``clear configuration candidate`` and ``return`` leave nothing uncommitted and
  :class:`CommitError` carries the device's line;
* ``commit_config(revert_in=S)`` commits with ``commit trial S persist ID`` (S in 60..65535 s):
  with ``persist`` the trial survives the end of the session and ``commit persist ID`` confirms
  it from any session, so verification and confirmation can use a fresh connection; the trial
  state is read back with ``display configuration trial status`` (must be ``ACTIVE``);
* ``confirm_commit`` sends ``commit persist ID`` (then ``save``); ``rollback`` aborts a pending
  trial with ``abort trial persist ID``, and after a confirmed commit made by this instance rolls
  back to the commit point before it with ``rollback configuration last 1`` (VRP8 commit
  points, not a file on flash);
* ``load_replace_candidate`` raises :class:`NotImplementedError`: VRP8's replace paths
  (``rollback configuration to file``, ``configuration replace file``) need the config as a
  file on the device, so govnet merges on VRP and the templates must render explicit ``undo``
  lines for what must go;
* the ``undo`` lines a transport state renders for what another state had
  (:data:`REMOVAL_UNDO`: sessions, MPLS, LDP, SRv6, add-path, the egress policy) are entered
  only where the running config has something to remove in that view: VRP answers an ``undo``
  of a peer that does not exist with an error, and each of these ``undo`` forms restores the
  default, which a line the running config does not show already is.

Every command and output form is from Huawei's documentation; see
``templates/huawei_vrp/SOURCES.md`` ("Push and verification (driver commands)").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from napalm.base.exceptions import CommitError  # type: ignore[import-untyped]
from napalm_huawei_vrp.huawei_vrp import VRPDriver  # type: ignore[import-untyped]

from govnet.ipv6.live import UnexpectedOutput

TRIAL_SECONDS = range(60, 65536)  # ``commit trial`` accepts 60..65535 s
DEFAULT_PERSIST_ID = "govnet"
COMMIT_READ_TIMEOUT = 300.0  # a commit or a rollback of a whole config takes a while
DESCRIPTION_LENGTH = range(1, 61)  # ``commit description`` takes 1..60 characters

TRIAL_STATUS_COMMAND = "display configuration trial status"

# What ends an answer: a view prompt (``<HOST>``, ``[~HOST-view]``, ``[*HOST]``) or a question.
_PROMPT = r"(?:\[[~*][^\]\r\n]*\]|<[^>\r\n]+>|\[[^\]\r\n~*][^\]\r\n]*\])"
_QUESTION = r"\[Y(?:\(yes\))?/N(?:\(no\))?(?:/C\(cancel\))?\]:?"
ANSWER_END = rf"(?:{_PROMPT}|{_QUESTION})\s*$"
TWO_STAGE_PROMPT = re.compile(r"\[[~*][^\]\r\n]*\]\s*$")
USER_PROMPT = re.compile(r"<[^>\r\n]+>\s*$")
QUESTION = re.compile(rf"{_QUESTION}\s*$")
DEVICE_ERROR = re.compile(r"^\s*(Error:.*?)\s*$", re.MULTILINE)
_PERSIST_ID = re.compile(r"[A-Za-z][!-~]{0,255}")
_VIEW_CHANGES = frozenset({"quit", "return", "system-view"})
# Config lines whose Y/N question the command reference documents as part of the command (the
# render needs them): answered ``y``. Every other question is declined and stops the push.
# ``ssh server-source``: "the system will prompt you to determine whether to continue the
# operation" (templates/huawei_vrp/SOURCES.md, the management path).
DOCUMENTED_QUESTIONS = re.compile(r"ssh (?:ipv6 )?server-source all-interface")
# The removals the transport states render (templates/huawei_vrp/SOURCES.md, "Merge: what each
# state removes"): each deletes its object or restores the default, so one with nothing to
# remove in its view is left out of what commit_config enters.
REMOVAL_UNDO = re.compile(
    r"undo (?:peer \S+(?: .+)?|mpls(?: ldp| lsr-id)?|isis ldp-sync|segment-routing ipv6"
    r"(?: best-effort| locator \S+)?|route-policy \S+|apply-label per-instance"
    r"|bestroute add-path|timer ldp-sync hold-max-cost)"
)


def candidate_commands(config: str) -> list[str]:
    """The CLI commands that enter ``config`` from the system view: ``#`` separators and the
    closing ``return`` are dropped, and a ``quit`` is added for every view the indentation
    leaves (one space per level, as ``display current-configuration`` prints it). Raises
    :class:`ValueError` for what cannot be entered line by line: tabs, a line indented under no
    view, a view change of its own, a quoted text that continues on the next line."""
    lines = [line.rstrip() for line in config.splitlines()]
    meaningful = [line for line in lines if line.strip() and line.strip() != "#"]
    if meaningful and meaningful[-1] == "return":
        meaningful.pop()
    indents = []
    for line in meaningful:
        text = line.strip()
        if "\t" in line:
            raise ValueError(f"{text!r} is indented with a tab")
        if text in _VIEW_CHANGES:
            raise ValueError(f"{text!r} changes the view itself; views follow the indentation")
        if text.count('"') % 2:
            raise ValueError(f"{text!r} opens a quoted text that goes on to the next line")
        indents.append(len(line) - len(line.lstrip(" ")))
    commands: list[str] = []
    depth = 0
    for index, (line, indent) in enumerate(zip(meaningful, indents, strict=True)):
        if indent > depth:
            raise ValueError(f"{line.strip()!r} is indented under no view")
        commands.extend(["quit"] * (depth - indent))
        commands.append(line.strip())
        following = indents[index + 1] if index + 1 < len(indents) else 0
        depth = indent + 1 if following > indent else indent
    return commands


@dataclass(frozen=True)
class TrialStatus:
    """``display configuration trial status``: the trial state (``ACTIVE``, ``INACTIVE``,
    ``CANCELING``, ``WAITCANCEL``), the seconds left and the persistence ID if one is shown."""

    state: str
    seconds_left: int
    persist_id: str | None = None


_TRIAL_STATES = frozenset({"ACTIVE", "INACTIVE", "CANCELING", "WAITCANCEL"})
_TRIAL_STATE = re.compile(r"\s*Trial\s+status\s*:\s*(?P<state>\S+)\s*$")
_TRIAL_LEFT = re.compile(r"\s*Trial\s+time\s+left\s+\(sec\)\s*:\s*(?P<left>\d+)\s*$")
_TRIAL_PERSIST = re.compile(r"\s*Persist\s+id\s*:\s*(?P<id>\S+)\s*$")


def _undo_in_effect(command: str, configured: set[str]) -> bool:
    """``command`` is ``undo X`` and no configured line is ``X`` or starts with ``X ``."""
    if not command.startswith("undo "):
        return False
    positive = command.removeprefix("undo ")
    return not any(line == positive or line.startswith(positive + " ") for line in configured)


View = tuple[str, ...]


def _walk(config: str) -> Iterator[tuple[View | None, str]]:
    """Every line of a config with the headers of the views above it, by indentation (one space
    per level); None for what is not configuration (``#``, ``!`` comments, ``return``)."""
    stack: list[str] = []
    for raw in config.splitlines():
        text = raw.strip()
        if not text or text in ("#", "return") or text.startswith("!"):
            yield None, raw
            continue
        depth = min(len(raw) - len(raw.lstrip(" ")), len(stack))
        del stack[depth:]
        yield tuple(stack), raw
        stack.append(text)


def lines_by_view(config: str) -> list[tuple[View, str]]:
    """Every configuration line of ``config`` with its view."""
    return [(view, raw.strip()) for view, raw in _walk(config) if view is not None]


def without_removals_in_effect(candidate: str, running: str) -> str:
    """``candidate`` without its :data:`REMOVAL_UNDO` lines that have nothing to remove in their
    own view of ``running`` (:func:`_undo_in_effect` per view)."""
    configured: dict[View, set[str]] = {}
    for view, text in lines_by_view(running):
        configured.setdefault(view, set()).add(text)
    kept = [
        raw
        for view, raw in _walk(candidate)
        if view is None
        or not (
            REMOVAL_UNDO.fullmatch(raw.strip())
            and _undo_in_effect(raw.strip(), configured.get(view, set()))
        )
    ]
    return "\n".join(kept) + "\n"


def parse_trial_status(text: str) -> TrialStatus:
    """The trial state; anything but the documented lines is unexpected output."""
    command = TRIAL_STATUS_COMMAND
    found: dict[str, str] = {}
    for line in text.splitlines():
        for key, pattern in (
            ("state", _TRIAL_STATE),
            ("left", _TRIAL_LEFT),
            ("id", _TRIAL_PERSIST),
        ):
            matched = pattern.match(line)
            if matched:
                found[key] = matched[key]
                break
        else:
            if line.strip() and not (TWO_STAGE_PROMPT.match(line) or USER_PROMPT.match(line)):
                raise UnexpectedOutput(f"{command!r}: unexpected line {line.strip()!r}")
    if "state" not in found or "left" not in found:
        raise UnexpectedOutput(f"{command!r}: no 'Trial status' and 'Trial time left' lines")
    if found["state"] not in _TRIAL_STATES:
        raise UnexpectedOutput(f"{command!r}: unknown trial status {found['state']!r}")
    return TrialStatus(found["state"], int(found["left"]), found.get("id"))


def device_error(output: str) -> str | None:
    """The first ``Error:`` line of an answer."""
    found = DEVICE_ERROR.search(output)
    return found.group(1) if found else None


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


# a row of `display lldp neighbor brief`: local interface, neighbour, its interface, Exptime(s)
LLDP_BRIEF_ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+\d+\s*$", re.MULTILINE)


class HuaweiVRPDriver(VRPDriver):  # type: ignore[misc]
    """VRPDriver with VRP8 trial commits, confirmation from any session, rollback to commit
    points and an error check on every line (optional arg ``trial_persist_id``, default
    ``govnet``: the persistence ID of the trials it starts and confirms)."""

    # set by VRPDriver (untyped): the merge candidate, whether one is loaded, whether this
    # instance committed
    merge_candidate: str
    loaded: bool
    changed: bool

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(hostname, username, password, timeout, optional_args)
        persist_id = str((optional_args or {}).get("trial_persist_id", DEFAULT_PERSIST_ID))
        if not _PERSIST_ID.fullmatch(persist_id):
            raise ValueError(
                f"trial_persist_id {persist_id!r}: 1-256 visible characters, no digit first"
            )
        self.trial_persist_id = persist_id
        self.in_system_view = False
        self.trial_started = False  # this instance started a trial not confirmed or aborted yet

    # --- the session

    def _send(self, command: str, read_timeout: float | None = None) -> str:
        """One command; returns the answer up to and including the prompt or question."""
        answer = self.device.send_command(
            command,
            expect_string=ANSWER_END,
            strip_prompt=False,
            read_timeout=read_timeout or float(self.timeout),
        )
        return str(answer)

    def _enter_system_view(self) -> None:
        output = self._send("system-view")
        if not TWO_STAGE_PROMPT.search(output):
            self._send("return")  # immediate mode: nothing was entered, leave at once
            raise CommitError(
                f"'system-view' did not enter the two-stage configuration mode: {_last_line(output)!r}"
            )
        self.in_system_view = True

    def _leave_system_view(self) -> None:
        output = self._send("return")
        if QUESTION.search(output):  # uncommitted lines are left: discard them, never commit
            output = self._send("n")
        self.in_system_view = False
        if not USER_PROMPT.search(output):
            raise CommitError(f"'return' did not reach the user view: {_last_line(output)!r}")

    def _abandon_candidate(self) -> None:
        """Nothing entered so far is committed: the candidate is cleared and the views left."""
        self._send("clear configuration candidate")
        self._leave_system_view()

    def _trial_status(self) -> TrialStatus:
        return parse_trial_status(str(self.device.send_command(TRIAL_STATUS_COMMAND)))

    def _own_trial(self, status: TrialStatus) -> None:
        if status.persist_id is not None and status.persist_id != self.trial_persist_id:
            raise CommitError(
                f"the pending trial has persistence ID {status.persist_id!r}, "
                f"not {self.trial_persist_id!r}: it is not govnet's to confirm or abort"
            )

    def _answered(self, command: str, yes: bool) -> str:
        """A command that may ask to confirm: answered ``y`` when ``yes``, else ``n``."""
        output = self._send(command, COMMIT_READ_TIMEOUT)
        if QUESTION.search(output):
            output += self._send("y" if yes else "n", COMMIT_READ_TIMEOUT)
        return output

    def _save(self) -> None:
        """The running configuration to the startup file, so a reboot keeps the change."""
        problem = device_error(self._answered("save", yes=True))
        if problem is not None:
            raise CommitError(f"'save': {problem}; the change runs but is not saved")

    # --- NAPALM's commit API

    def compare_config(self) -> str:
        """The candidate's lines the running config lacks (the community driver's merge diff),
        except an ``undo X`` line whose ``X`` is not configured: VRP prints no line for a
        function that is off by default, so an ``undo`` already in effect is no change (and
        after a commit it would otherwise look as if the device had dropped it)."""
        if not self.loaded:
            return ""
        running = str(self.get_config(retrieve="running")["running"]).splitlines()
        present = set(running)
        configured = {line.strip() for line in running}
        return "\n".join(
            line
            for line in self.merge_candidate.splitlines()
            if line.strip()
            and not line.lstrip().startswith("!")
            and line not in present
            and not _undo_in_effect(line.strip(), configured)
        )

    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        raise NotImplementedError(
            "huawei_vrp: VRP8 replaces a configuration only from a file on the device "
            "(rollback configuration to file, configuration replace file); govnet merges on "
            "VRP, so the templates render explicit 'undo' lines for what must be removed"
        )

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Enter the merge candidate and commit it; with ``revert_in`` (seconds) as a trial
        that the device rolls back by itself unless :meth:`confirm_commit` comes in time."""
        if not self.loaded:
            raise CommitError("No config loaded.")
        if revert_in is not None and revert_in not in TRIAL_SECONDS:
            raise CommitError(f"revert_in={revert_in}: VRP8 trials last 60 to 65535 seconds")
        if message and (len(message) not in DESCRIPTION_LENGTH or "\n" in message):
            raise CommitError("message: VRP8 commit descriptions are one line of 1-60 characters")
        try:
            commands = candidate_commands(self.merge_candidate)
        except ValueError as error:
            raise CommitError(f"the candidate cannot be entered line by line: {error}") from None
        description = f" description {message}" if message else ""
        pending = self._trial_status()
        if pending.state != "INACTIVE":  # the device takes no other change during a trial
            raise CommitError(f"a trial is {pending.state} on the device: nothing was sent")
        if any(REMOVAL_UNDO.fullmatch(command) for command in commands):
            running = str(self.get_config(retrieve="running")["running"])
            commands = candidate_commands(without_removals_in_effect(self.merge_candidate, running))
        self._enter_system_view()
        for command in commands:
            self._enter_line(command)
        if revert_in is None:
            self._commit(f"commit{description}")
            self._committed(trial=False)
            self._leave_system_view()
            self._save()
            return
        self._commit(f"commit trial {revert_in} persist {self.trial_persist_id}{description}")
        self._committed(trial=True)
        status = self._trial_status()
        if status.state != "ACTIVE":
            raise CommitError(f"the trial commit left the trial status {status.state}")
        # The session stays in the system view: what 'return' does during a trial is not
        # documented, and the persistent trial does not need this session any more.

    def _committed(self, trial: bool) -> None:
        """The device took the candidate: what rollback() has to undo from now on."""
        self.merge_candidate = ""
        self.loaded = False
        self.changed = not trial
        self.trial_started = trial

    def _enter_line(self, command: str) -> None:
        output = self._send(command)
        problem = device_error(output)
        if problem is None and QUESTION.search(output):
            if DOCUMENTED_QUESTIONS.fullmatch(command):
                output = self._send("y")
                problem = device_error(output)
            else:
                self._send("n")  # never agree to what a config line asks
                problem = f"the device asked {_last_line(output)!r}"
        if problem is None and not TWO_STAGE_PROMPT.search(output):
            problem = f"left the configuration views: {_last_line(output)!r}"
        if problem is not None:
            self._abandon_candidate()
            raise CommitError(f"{command!r}: {problem}; nothing was committed")

    def _commit(self, command: str) -> None:
        output = self._send(command, COMMIT_READ_TIMEOUT)
        problem = device_error(output)
        if problem is not None:
            self._abandon_candidate()
            raise CommitError(f"{command!r}: {problem}; nothing was committed")

    def has_pending_commit(self) -> bool:
        """A trial is running (``ACTIVE``); one being cancelled is no longer confirmable."""
        return self._trial_status().state == "ACTIVE"

    def confirm_commit(self) -> None:
        """Confirm govnet's pending trial, from this or any other session, and save."""
        status = self._trial_status()
        if status.state != "ACTIVE":
            raise CommitError(f"no trial to confirm: the trial status is {status.state}")
        command = f"commit persist {self.trial_persist_id}"
        self._end_trial(status, command, lambda: self._send(command, COMMIT_READ_TIMEOUT))
        self.changed = True
        self._save()

    def rollback(self) -> None:
        """Abort govnet's pending trial; without one, undo the commit this instance made
        (trial confirmed or plain) by rolling back to the commit point before it."""
        status = self._trial_status()
        if status.state == "ACTIVE":
            self._abort_trial(status)
            return
        if status.state != "INACTIVE":
            raise CommitError(f"the trial status is {status.state}: nothing was rolled back")
        if self.trial_started:
            raise CommitError(
                "the trial this session started is no longer pending: its timer reverted it or "
                "another session confirmed it; rolling back a commit point now could undo "
                "either, so nothing was rolled back"
            )
        if not self.changed:
            raise CommitError(
                "this session committed nothing: rolling back the last commit point could "
                "undo someone else's change"
            )
        if self.in_system_view:
            self._leave_system_view()
        command = "rollback configuration last 1"
        problem = device_error(self._answered(command, yes=True))
        if problem is not None:
            raise CommitError(f"{command!r}: {problem}")
        self.changed = False
        self._save()

    def _abort_trial(self, status: TrialStatus) -> None:
        command = f"abort trial persist {self.trial_persist_id}"
        self._end_trial(status, command, lambda: self._answered(command, yes=True))
        self.changed = False

    def _end_trial(self, status: TrialStatus, command: str, send: Callable[[], str]) -> None:
        """Confirm or abort govnet's pending trial with ``command`` (sent by ``send`` from the
        system view); the trial must be gone afterwards."""
        self._own_trial(status)
        if not self.in_system_view:
            self._enter_system_view()
        problem = device_error(send())
        if problem is not None:
            raise CommitError(f"{command!r}: {problem}; the trial is still pending")
        status = self._trial_status()
        if status.state != "INACTIVE":
            raise CommitError(f"{command!r} left the trial status {status.state}")
        self._leave_system_view()
        self.trial_started = False

    # --- getters the community driver gets wrong

    def get_lldp_neighbors(self) -> dict[str, list[dict[str, str]]]:
        """``display lldp neighbor brief``, every row: the community driver's pattern needs
        whitespace after the Exptime column, which the last row lacks once Netmiko has
        stripped the prompt, so it dropped the last neighbour."""
        output = str(self.device.send_command("display lldp neighbor brief"))
        neighbors: dict[str, list[dict[str, str]]] = {}
        for local, hostname, port in LLDP_BRIEF_ROW.findall(output):
            neighbors.setdefault(local, []).append({"hostname": hostname, "port": port})
        return neighbors
