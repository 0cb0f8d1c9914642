"""Junos: napalm's stock ``junos`` driver, made safe where a push at night needs it.

What the stock driver already does right, and is kept: load_replace_candidate is ``load
override`` (PyEZ ``overwrite=True``: the whole candidate is discarded and replaced, which is
what a full rendered config means); commit_config(revert_in) is ``commit confirmed`` in
minutes; has_pending_commit reads the commit revision log, so a fresh session can answer.

What it gets wrong, and is changed here:

- revert_in = 0 (or any multiple of 60 below 60) is sent as a plain, unconfirmed commit
  (PyEZ drops a falsy ``confirm``); out-of-range timers are refused before anything is sent.
- a refused commit leaves the candidate loaded and locked; here it is discarded and
  CommitError raised.
- confirm_commit commits the shared candidate unlocked, so another operator's uncommitted
  edits would go live with it, and "succeeds" after the timer expired (the device has already
  rolled back: a plain commit then confirms nothing). Here: lock, refuse when nothing is
  pending or the candidate differs from the active config, commit, unlock.
- rollback loads rollback 1 and commits, whatever happened before: after an expired timer
  rollback 1 is the change itself, so it would be re-applied. Here it runs only while a
  confirmed commit is pending (rollback 1 is then the config from before it; the commit also
  ends the pending confirmation) or for the plain commit this instance made.
"""

from __future__ import annotations

from typing import Any, Literal

from jnpr.junos.exception import (  # type: ignore[import-untyped]
    CommitError as JunosCommitError,
)
from jnpr.junos.exception import RpcError, RpcTimeoutError
from napalm.base.exceptions import CommitConfirmException, CommitError  # type: ignore[import-untyped]
from napalm.junos.junos import JunOSDriver  # type: ignore[import-untyped]

from govnet.inventory.drivers import commit_failure
from govnet.inventory.platforms import PLATFORMS, Platform

LastCommit = Literal["none", "plain", "confirmed"]
REFUSALS = (JunosCommitError, RpcError, RpcTimeoutError)


class JunosDriver(JunOSDriver):  # type: ignore[misc]
    """The stock driver with a guarded commit-confirm cycle (see the module docstring)."""

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(hostname, username, password, timeout, optional_args)
        self._last_commit: LastCommit = "none"

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        accepted = PLATFORMS[Platform.JUNOS].revert_seconds
        if revert_in is not None and message:
            # has_pending_commit recognises a pending commit by the log comment Junos writes
            # for it; a message of ours in its place could hide it, and confirm would refuse
            self.discard_config()
            raise CommitConfirmException(f"{self.hostname}: a confirmed commit takes no message")
        if revert_in is not None and revert_in not in accepted:
            self.discard_config()
            raise CommitConfirmException(
                f"{self.hostname}: revert_in must be whole minutes, {accepted.start}.."
                f"{accepted[-1]} s, not {revert_in}"
            )
        try:
            super().commit_config(message=message, revert_in=revert_in)
        except REFUSALS as error:
            discard: Exception | None = None
            try:
                self.discard_config()
            except REFUSALS as failed:
                discard = failed
            timed_out = isinstance(error, RpcTimeoutError)
            raise CommitError(commit_failure(self.hostname, error, timed_out, discard)) from error
        self._last_commit = "plain" if revert_in is None else "confirmed"

    def confirm_commit(self) -> None:
        """Confirm the pending ``commit confirmed``, from this or any later session."""
        self._lock()
        try:
            if not self.has_pending_commit():
                raise CommitConfirmException(
                    f"{self.hostname}: no commit confirmed pending (rolled back by its timer,"
                    " or already confirmed)"
                )
            if self.device.cu.diff() is not None:
                raise CommitConfirmException(
                    f"{self.hostname}: the candidate holds uncommitted changes of another"
                    " session; not committing them with the confirmation"
                )
            self.device.cu.commit(ignore_warning=self.ignore_warning)
        finally:
            self._unlock()
        self._last_commit = "plain"

    def rollback(self) -> None:
        """Back to the config from before the pending confirmed commit, or from before this
        instance's plain commit; CommitConfirmException (nothing changed) otherwise."""
        self._lock()
        try:
            if not self.has_pending_commit() and self._last_commit != "plain":
                raise CommitConfirmException(
                    f"{self.hostname}: no commit confirmed pending and no commit of this"
                    " session to roll back (the timer may have rolled it back already);"
                    " nothing rolled back"
                )
            # no foreign-edit check: rollback 1 replaces the whole candidate anyway
            self.device.cu.rollback(rb_id=1, ignore_warning=self.ignore_warning)
            self.device.cu.commit(ignore_warning=self.ignore_warning)
        finally:
            self._unlock()
        self._last_commit = "none"
