"""A fake Netmiko connection that replays recorded device output.

Assigned to a real NAPALM driver's ``device`` attribute, it answers ``send_command`` from
recordings keyed by command (a command sent twice takes its recorded answers in order), keeps
every command sent, and fails on a command it has no recording (left) for. An answer is only
returned when the caller's ``expect_string`` matches it, as Netmiko waits for that pattern and
times out otherwise; ``strip_prompt`` drops the trailing prompt line as Netmiko does.

Recordings can be written as transcripts: ``<<< command`` lines, each followed by the
device's answer up to and including the prompt it ends with.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from netmiko.exceptions import ReadTimeout

_PROMPT_LINE = re.compile(r"\s*(<[^>]+>|\[[^\]]+\])\s*$")
COMMAND_MARK = "<<< "


class UnrecordedCommand(AssertionError):
    """The code under test sent a command the recording has no (more) answers for."""


def read_transcript(path: Path) -> dict[str, list[str]]:
    """``<<< command`` / answer blocks -> command -> its answers in order."""
    recordings: dict[str, list[str]] = {}
    command: str | None = None
    answer: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(COMMAND_MARK):
            if command is not None:
                recordings.setdefault(command, []).append("\n".join(answer))
            command, answer = line[len(COMMAND_MARK) :], []
        elif command is None:
            raise ValueError(f"{path}: text before the first {COMMAND_MARK!r} line")
        else:
            answer.append(line)
    if command is not None:
        recordings.setdefault(command, []).append("\n".join(answer))
    return recordings


class ReplayConnection:
    """What a Netmiko ``huawei`` connection offers the drivers, answered from recordings."""

    def __init__(self, recordings: Mapping[str, str | Sequence[str]]) -> None:
        self._answers = {
            command: deque([answer] if isinstance(answer, str) else answer)
            for command, answer in recordings.items()
        }
        self.sent: list[str] = []

    @classmethod
    def from_transcripts(cls, *paths: Path) -> ReplayConnection:
        merged: dict[str, list[str]] = {}
        for path in paths:
            for command, answers in read_transcript(path).items():
                merged.setdefault(command, []).extend(answers)
        return cls(merged)

    def send_command(
        self,
        command_string: str,
        expect_string: str | None = None,
        strip_prompt: bool = True,
        **_: Any,
    ) -> str:
        self.sent.append(command_string)
        answers = self._answers.get(command_string)
        if not answers:
            raise UnrecordedCommand(f"no recorded answer (left) for {command_string!r}")
        answer = answers.popleft()
        if expect_string is not None and not re.search(expect_string, answer):
            raise ReadTimeout(f"{command_string!r}: {expect_string!r} never came in {answer!r}")
        lines = answer.splitlines()
        if strip_prompt and lines and _PROMPT_LINE.fullmatch(lines[-1]):
            lines = lines[:-1]
        return "\n".join(lines)

    def unused(self) -> dict[str, int]:
        """Commands with recorded answers nobody asked for (how many each)."""
        return {command: len(answers) for command, answers in self._answers.items() if answers}
