"""Fake transports under the real NAPALM driver classes, replaying recorded device answers.

- ``ReplayManager``: an ncclient ``Manager`` as napalm's iosxr_netconf uses it (copy_config,
  edit_config, dispatch, commit, cancel_commit, discard_changes, lock, unlock, get,
  close_session). Each call must be the next step of a script of (operation, recorded reply);
  anything else fails the test. Replies go through ncclient's own ``RPCReply``, and an
  ``<rpc-error>`` is raised as ncclient raises it (``RPCError``).
- ``ReplayJunosConnection``: the ncclient connection under PyEZ's ``Device`` (``_conn``): PyEZ
  and napalm's junos driver run unchanged above it; each RPC element must match the script;
  replies go through ncclient's ``RPCReply`` and Junos' reply transform (``NCElement``), as
  ncclient hands them to PyEZ.
- ``ReplayCli``: a Netmiko session replaying recorded show output per command.

Recorded answers live in tests/data (drivers/README.md names the source of each).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from ncclient.devices.junos import JunosDeviceHandler  # type: ignore[import-untyped]
from ncclient.operations.errors import TimeoutExpiredError  # type: ignore[import-untyped]
from ncclient.operations.rpc import RPCReply  # type: ignore[import-untyped]
from ncclient.xml_ import NCElement  # type: ignore[import-untyped]

DATA = Path(__file__).parent / "data"
# a step whose reply never comes: ncclient gives up as it does on a device that went silent
NO_ANSWER = "no answer"


def recorded(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def answer(reply_xml: str) -> Any:
    """An ncclient reply to ``reply_xml``; its <rpc-error> raised as ncclient raises it."""
    reply = RPCReply(reply_xml)
    reply.parse()
    if reply.error is not None:
        raise reply.error
    return reply


@dataclass
class Step:
    operation: str  # the RPC's element name (commit, copy-config, get-cli-config-diff, …)
    reply: str  # a file under tests/data


@dataclass
class Script:
    """What the device is expected to be asked, in order, and what it answers."""

    steps: deque[Step]
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def next_reply(self, operation: str, arguments: dict[str, Any]) -> str:
        self.calls.append((operation, arguments))
        if not self.steps:
            raise AssertionError(f"unexpected RPC {operation} {arguments}: the script is done")
        step = self.steps.popleft()
        if step.operation != operation:
            raise AssertionError(
                f"unexpected RPC {operation} {arguments}: expected {step.operation}"
            )
        if step.reply == NO_ANSWER:
            raise TimeoutExpiredError("ncclient timed out while waiting for an rpc reply.")
        return recorded(step.reply)

    def done(self) -> bool:
        return not self.steps


def script(*steps: tuple[str, str]) -> Script:
    return Script(deque(Step(op, reply) for op, reply in steps))


class ReplayManager:
    """ncclient's ``Manager``, as far as napalm's iosxr_netconf and govnet's IOSXRDriver use
    it."""

    def __init__(self, steps: Script, capabilities: list[str]) -> None:
        self.script = steps
        self.server_capabilities = capabilities
        self.closed = False

    def _rpc(self, operation: str, **arguments: Any) -> Any:
        return answer(self.script.next_reply(operation, arguments))

    def copy_config(self, source: str, target: str) -> Any:
        return self._rpc("copy-config", source=source, target=target)

    def edit_config(self, config: str, **options: Any) -> Any:
        return self._rpc("edit-config", config=config, **options)

    def dispatch(self, rpc_command: Any, **options: Any) -> Any:
        name = etree.QName(rpc_command).localname
        return self._rpc(name, **options)

    def commit(
        self,
        confirmed: bool = False,
        timeout: str | None = None,
        persist: str | None = None,
        persist_id: str | None = None,
    ) -> Any:
        arguments = {"confirmed": confirmed, "timeout": timeout}
        arguments |= {"persist": persist, "persist_id": persist_id}
        return self._rpc("commit", **{k: v for k, v in arguments.items() if v})

    def cancel_commit(self, persist_id: str | None = None) -> Any:
        return self._rpc("cancel-commit", persist_id=persist_id)

    def discard_changes(self) -> Any:
        return self._rpc("discard-changes")

    def lock(self, target: str = "candidate") -> Any:
        return self._rpc("lock", target=target)

    def unlock(self, target: str = "candidate") -> Any:
        return self._rpc("unlock", target=target)

    def get(self, filter: Any = None) -> Any:
        return self._rpc("get")

    def close_session(self) -> None:
        self.closed = True


class _Transport:
    def set_keepalive(self, interval: int) -> None:
        self.keepalive = interval

    def is_active(self) -> bool:
        return True


class _Session:
    def __init__(self) -> None:
        self.transport = _Transport()

    def add_listener(self, listener: Any) -> None:
        pass


class ReplayJunosConnection:
    """The ncclient connection PyEZ's ``Device`` keeps in ``_conn``."""

    def __init__(self, steps: Script) -> None:
        self.script = steps
        self._session = _Session()
        self.connected = True
        self.timeout = 30
        self._transform = JunosDeviceHandler({"name": "junos"}).transform_reply()

    def rpc(self, rpc_command: Any, filter_xml: Any = None) -> Any:
        arguments = {
            "attributes": dict(rpc_command.attrib),
            "children": [child.tag for child in rpc_command],
        }
        reply = answer(self.script.next_reply(rpc_command.tag, arguments))
        return NCElement(reply, self._transform)

    def close_session(self) -> None:
        self.connected = False


class ReplayCli:
    """A Netmiko session answering each show command with its recorded output."""

    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs
        self.sent: list[str] = []
        self.disconnected = False

    def send_command(self, command: str, **options: Any) -> str:
        self.sent.append(command)
        if command not in self.outputs:
            raise AssertionError(f"unexpected command {command!r}")
        return recorded(self.outputs[command])

    def disconnect(self) -> None:
        self.disconnected = True
