"""IOS-XR through NETCONF (napalm's ``iosxr_netconf``), completed with commit-confirmed and
show commands.

Commit-confirmed is NETCONF's confirmed-commit 1.1 (RFC 6241 section 8.4): the commit carries
``<confirmed/>``, ``<confirm-timeout>`` and ``<persist>``. With ``persist`` the change survives
the end of the session that made it and any later session may confirm it
(``<commit><persist-id>``) or cancel it (``<cancel-commit><persist-id>``); without it, closing
the session would revert the change, and "confirm over a fresh connection" would be
impossible. The token is ``govnet-<hostname>`` (or the ``commit_token`` optional argument), so
a fresh driver instance knows it without any state kept between connections.

Show commands go over SSH (Netmiko ``cisco_xr``, port 22 or ``cli_port``): the NETCONF agent
runs no CLI, and ``iosxr_netconf.cli`` is a stub that returns NotImplementedError.
"""

from __future__ import annotations

from typing import Any, Literal

from napalm.base.exceptions import (  # type: ignore[import-untyped]
    CommandErrorException,
    CommitConfirmException,
    CommitError,
    ConnectionException,
)
from napalm.iosxr_netconf.iosxr_netconf import IOSXRNETCONFDriver  # type: ignore[import-untyped]
from ncclient.operations.errors import TimeoutExpiredError  # type: ignore[import-untyped]
from ncclient.operations.rpc import RPCError  # type: ignore[import-untyped]
from netmiko import BaseConnection, ConnectHandler

from govnet.inventory.drivers import commit_failure
from govnet.inventory.platforms import PLATFORMS, Platform

CONFIRMED_COMMIT = "urn:ietf:params:netconf:capability:confirmed-commit:1.1"
CLI_DEVICE_TYPE = "cisco_xr"
CLI_PORT = 22

LastCommit = Literal["none", "plain", "confirmed"]


def commit_token(hostname: str) -> str:
    """The persist token of every confirmed commit govnet makes on ``hostname``."""
    return f"govnet-{hostname}"


def refusal(output: str) -> str:
    """The line with which IOS-XR refuses a command (``% Invalid input detected…``,
    ``% Incomplete command.``, …); "" when the output is an answer."""
    return next((line.strip() for line in output.splitlines() if line.startswith("% ")), "")


class IOSXRDriver(IOSXRNETCONFDriver):  # type: ignore[misc]
    """``iosxr_netconf`` with commit_config(revert_in), confirm_commit, has_pending_commit,
    a rollback that cancels a pending confirmed commit, and cli().

    Extra optional_args (taken out before napalm passes the rest to ncclient):
    ``commit_token`` (default ``govnet-<hostname>``), ``cli_port`` (default 22)."""

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        options = dict(optional_args or {})
        self.commit_token = str(options.pop("commit_token", None) or commit_token(hostname))
        self.cli_port = int(options.pop("cli_port", CLI_PORT))
        super().__init__(hostname, username, password, timeout, options)
        self._cli_session: BaseConnection | None = None
        # what this instance last committed: rollback() undoes only that, or a pending
        # confirmed commit; never "the last commit" blindly (after the timer expired, that
        # would be the device's own revert, and undoing it would re-apply the change)
        self._last_commit: LastCommit = "none"

    # --- commit-confirmed

    def _require_confirmed_commit(self) -> None:
        if CONFIRMED_COMMIT not in list(self.device.server_capabilities):
            raise CommitConfirmException(
                f"{self.hostname}: the NETCONF agent does not advertise {CONFIRMED_COMMIT}"
            )

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Commit the candidate; with ``revert_in`` (seconds) as a confirmed commit that the
        device reverts by itself unless confirm_commit() comes in time. A commit the device
        refuses raises CommitError with the candidate discarded and the lock released."""
        if message:
            raise NotImplementedError("IOS-XR NETCONF commits carry no message")
        if revert_in is None:
            self._commit(lambda: self.device.commit())
            self._last_commit = "plain"
            return
        accepted = PLATFORMS[Platform.IOSXR].revert_seconds
        if revert_in not in accepted:
            self.discard_config()
            raise CommitConfirmException(
                f"{self.hostname}: revert_in must be {accepted.start}..{accepted[-1]} s,"
                f" not {revert_in}"
            )
        self._require_confirmed_commit()
        token = self.commit_token
        self._commit(
            lambda: self.device.commit(confirmed=True, timeout=str(revert_in), persist=token)
        )
        self._last_commit = "confirmed"

    def _commit(self, send: Any) -> None:
        try:
            send()
        except (RPCError, TimeoutExpiredError) as error:
            discard: Exception | None = None
            try:
                self.discard_config()
            except (RPCError, TimeoutExpiredError) as failed:
                discard = failed
            timed_out = isinstance(error, TimeoutExpiredError)
            raise CommitError(commit_failure(self.hostname, error, timed_out, discard)) from error
        self.pending_changes = False
        self._unlock()

    def confirm_commit(self) -> None:
        """Confirm the pending confirmed commit, from this or any later session. Raises
        CommitConfirmException when none is pending under govnet's token: the device has
        already reverted it (the timer expired) or it was confirmed before."""
        self._require_confirmed_commit()
        try:
            self.device.commit(persist_id=self.commit_token)
        except RPCError as error:
            raise CommitConfirmException(
                f"{self.hostname}: no confirmed commit {self.commit_token!r} to confirm"
                f" (reverted by its timer, or already confirmed): {error}"
            ) from error
        self._last_commit = "plain"

    def has_pending_commit(self) -> bool:
        """Whether this instance made a confirmed commit it has not confirmed or cancelled.

        IOS-XR documents no query for a pending confirmed commit that leaves it untouched, so
        a fresh instance answers False; it can still confirm or cancel by token, and both
        fail loudly when nothing is pending."""
        return self._last_commit == "confirmed"

    def rollback(self) -> None:
        """Cancel the pending confirmed commit (``<cancel-commit><persist-id>``: the device
        goes back to the config from before it at once), or roll back the plain commit this
        instance made (the driver's roll-back-configuration-last 1). Anything else raises
        CommitConfirmException and changes nothing."""
        if self._last_commit == "plain":
            super().rollback()
            self._last_commit = "none"
            return
        try:
            self.device.cancel_commit(persist_id=self.commit_token)
        except RPCError as error:
            raise CommitConfirmException(
                f"{self.hostname}: no confirmed commit {self.commit_token!r} to cancel"
                f" (reverted by its timer, or confirmed); nothing rolled back: {error}"
            ) from error
        self._last_commit = "none"

    # --- show commands

    def _cli(self) -> BaseConnection:
        if self._cli_session is None:
            try:
                self._cli_session = ConnectHandler(
                    device_type=CLI_DEVICE_TYPE,
                    host=self.hostname,
                    username=self.username,
                    password=self.password,
                    port=self.cli_port,
                    timeout=self.timeout,
                )
            except Exception as error:
                raise ConnectionException(
                    f"{self.hostname}: SSH on port {self.cli_port} for show commands: {error}"
                ) from error
        return self._cli_session

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str]:
        """Each command's output, read over SSH; CommandErrorException for a command IOS-XR
        refuses (its ``% …`` line)."""
        if encoding != "text":
            raise NotImplementedError(f"{self.hostname}: cli() answers in text only")
        if not isinstance(commands, list):
            raise TypeError("commands must be a list")
        session = self._cli()
        answers: dict[str, str] = {}
        for command in commands:
            output = str(session.send_command(command))
            refused = refusal(output)
            if refused:
                raise CommandErrorException(f"{self.hostname}: {command!r}: {refused}")
            answers[command] = output
        return answers

    def close(self) -> None:
        session, self._cli_session = self._cli_session, None
        try:
            if session is not None:
                session.disconnect()
        finally:
            if self.device is not None:
                super().close()
