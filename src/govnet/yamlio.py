"""Reading design YAML: fast for data, ruamel.yaml for line numbers.

A design for a whole province holds hundreds of thousands of YAML lines. They are parsed with
``yaml_rs`` (a YAML 1.2 parser in Rust, about 15x faster than a pure-Python one). Line numbers are
only needed when something is wrong, so :meth:`YamlDocument.line_of` parses the same text again
with ruamel.yaml's round-trip loader, which keeps the position of every key and item, the first
time a problem in that file needs its line. Both parsers follow YAML 1.2 (``yes`` is a string).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import yaml_rs
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import ScalarNode

from govnet.diagnostics import Loc, Problem


class YamlSyntaxError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.format())
        self.problem = problem


class _LineConstructor(RoundTripConstructor):
    """Round-trip constructor that keeps timestamps as text: the line map must load any file
    the fast parser loaded (a ``2026-02-30`` is the model's problem to report, with its line)."""

    def construct_yaml_timestamp(self, node: ScalarNode, values: Any = None) -> Any:
        return self.construct_scalar(node)


_LineConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _LineConstructor.construct_yaml_timestamp
)


def _line_loader() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _LineConstructor
    return yaml


@dataclass
class YamlDocument:
    """The parsed data of one file, plus a lazy map from data paths to line numbers."""

    name: str
    text: str
    data: Any
    _tree: Any = field(default=None, repr=False)

    def line_of(self, loc: Loc) -> int:
        """1-based line of the deepest element of ``loc`` that exists in the file."""
        if self._tree is None:
            self._tree = _line_loader().load(self.text)
        node = self._tree
        line = 1
        for part in loc:
            if isinstance(node, CommentedMap) and part in node:
                line = node.lc.key(part)[0] + 1
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        return line

    def locate(self, problem: Problem) -> Problem:
        if problem.line is not None:
            return problem
        return Problem(
            problem.file, problem.loc, problem.message, problem.severity, self.line_of(problem.loc)
        )


_LINE_IN_MESSAGE = re.compile(r"line (\d+)")
_DUPLICATE_KEY = re.compile(r'found duplicate key "(.*?)" with value')


# No design file needs more than a handful of levels; parsers and validators recurse per level
MAX_NESTING = 64


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse ``text``; a syntax error (or a duplicate key) raises :class:`YamlSyntaxError`."""
    too_deep = first_line_too_deep(text, MAX_NESTING)
    if too_deep is not None:
        raise YamlSyntaxError(
            Problem(name, (), f"nested more than {MAX_NESTING} levels deep", line=too_deep)
        )
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except yaml_rs.YAMLDecodeError as fast_error:
        raise YamlSyntaxError(_explain_syntax_error(text, name, fast_error)) from None
    return YamlDocument(name=name, text=text, data=data)


def first_line_too_deep(text: str, limit: int) -> int | None:
    """1-based line where block indentation plus open flow brackets first exceed ``limit``
    levels (an over-estimate is fine: the limit is far above any real design)."""
    indents: list[int] = []
    flow = 0
    for number, line in enumerate(text.splitlines(), 1):
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        if flow == 0:
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
        for char in body:
            if char in "[{":
                flow += 1
            elif char in "]}":
                flow = max(0, flow - 1)
            elif char == "#":
                break
            if len(indents) + flow > limit:
                return number
    return None


def read_yaml(path: Path, name: str) -> YamlDocument:
    """A design file: UTF-8 (a byte-order mark is dropped, so line numbers stay those an editor
    shows); anything else is one problem naming the first line that is not UTF-8."""
    return parse_yaml(decode_text(path.read_bytes(), name), name)


def decode_text(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlSyntaxError(
            Problem(name, (), f"not UTF-8 text{_guess_encoding(raw)}; save it as UTF-8", line=line)
        ) from None
    return text.removeprefix("\ufeff")


def _guess_encoding(raw: bytes) -> str:
    """Chinese Windows editors save GBK (GB 18030 is its superset) by default."""
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return " (it looks like GBK/GB 18030, as Chinese Windows editors save by default)"


def _explain_syntax_error(text: str, name: str, fast_error: Exception) -> Problem:
    """ruamel.yaml words syntax errors well and knows where they are; ask it for both."""
    try:
        _line_loader().load(text)
    except DuplicateKeyError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        key = _DUPLICATE_KEY.search(error.problem or "")
        what = f"'{key.group(1)}'" if key else "key"
        return Problem(
            name, (), f"YAML: duplicate key {what} (a key may appear once in a mapping)", line=line
        )
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or str(error)
        if error.context:
            context = error.context
            if error.context_mark is not None and error.context_mark.line + 1 != line:
                context += f" started on line {error.context_mark.line + 1}"
            problem = f"{context}: {problem}"
        return Problem(name, (), f"YAML syntax: {problem}", line=line)
    except Exception as error:  # ruamel raises a few non-marked errors too
        return Problem(name, (), f"YAML syntax: {error}", line=_line_from(str(error)))
    message = str(fast_error).splitlines()[0]
    return Problem(name, (), f"YAML syntax: {message}", line=_line_from(str(fast_error)))


def _line_from(message: str) -> int | None:
    match = _LINE_IN_MESSAGE.search(message)
    return int(match.group(1)) if match else None


def dump_yaml(data: Any, header: str = "") -> str:
    """Block-style YAML with keys in the given order, for files govnet writes."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.width = 4096
    stream = StringIO()
    yaml.dump(data, stream)
    return header + stream.getvalue()


def write_atomically(path: Path, text: str) -> Path:
    """Write a file so that a crash never leaves half of it: a temporary file, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
