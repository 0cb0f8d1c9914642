"""Rendering intents with Jinja2: one config per device, in its platform's syntax.

Templates live in a design's ``templates/<platform>/`` folder (falling back to the reference
design's), entry point ``device.j2``. Jinja runs with StrictUndefined: a template that asks for
something the intent does not have fails instead of printing nothing. Output is byte-for-byte
deterministic. Everything is rendered in memory first and written only if every device
rendered, so a failure never leaves half a set of configs on disk.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError

from govnet.design import Design, reference_design_path
from govnet.diagnostics import Problem
from govnet.inventory.platforms import Platform
from govnet.templates.features import (
    MODEL_NEEDS,
    Features,
    load_features,
    required_features,
)
from govnet.templates.intent import DeviceIntent
from govnet.templates.linux_host import HostFile, bundle_text, is_linux_router, render_host_files
from govnet.templates.template_errors import group_template_errors, template_syntax_errors
from govnet.templates.text import tidy
from govnet.yamlio import write_atomically

CONFIG_SUFFIX = {
    Platform.HUAWEI_VRP: ".cfg",
    Platform.IOSXR: ".cfg",
    Platform.JUNOS: ".conf",
    Platform.FRR: ".conf",
}


class RenderError(Exception):
    def __init__(self, problems: list[str], located: list[Problem] | None = None) -> None:
        self.problems = problems
        self.located = located or []  # the same problems with file and line, where known
        super().__init__("\n".join(problems))

    @classmethod
    def at(cls, located: list[Problem]) -> RenderError:
        return cls([p.format() for p in located], located)


def _netmask(prefix: str) -> str:
    return str(ipaddress.ip_interface(prefix).network.netmask)


def _wildcard(prefix: str) -> str:
    return str(ipaddress.ip_interface(prefix).network.hostmask)


def _ip(prefix: str) -> str:
    return str(ipaddress.ip_interface(prefix).ip)


def _prefixlen(prefix: str) -> int:
    return ipaddress.ip_interface(prefix).network.prefixlen


def _network(prefix: str) -> str:
    return str(ipaddress.ip_interface(prefix).network.network_address)


def _version(address: str) -> int:
    return ipaddress.ip_interface(address).version


def template_dirs(design_root: Path) -> list[Path]:
    dirs = [design_root / "templates"]
    reference = reference_design_path() / "templates"
    if reference.resolve() != dirs[0].resolve():
        dirs.append(reference)
    return [d for d in dirs if d.is_dir()]


def environment(design_root: Path) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs(design_root)]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(
        netmask=_netmask,
        wildcard=_wildcard,
        ip=_ip,
        prefixlen=_prefixlen,
        network=_network,
        ipversion=_version,
    )
    env.tests["contains"] = lambda sequence, item: item in sequence
    return env


def render_device(env: Environment, intent: DeviceIntent) -> str:
    template = env.get_template(f"{intent.platform}/device.j2")
    return tidy(template.render(d=intent))


@dataclass(frozen=True)
class RenderedConfig:
    hostname: str
    platform: str
    path: Path  # relative to the output directory (a directory when ``files`` is not empty)
    text: str
    notes: tuple[str, ...] = ()  # what the operator must do besides pushing (a reload)
    # a production FRR host (a Linux router): its files by install path, written under
    # ``path``; ``text`` is then the whole bundle, for lint (govnet.templates.linux_host)
    files: tuple[HostFile, ...] = ()


def check_features(intents: Iterable[DeviceIntent], features: Features) -> list[str]:
    """Everything each device needs that its platform cannot do, before anything renders."""
    problems = []
    for intent in intents:
        supported = features.of(intent.platform)
        for feature, why in required_features(intent):
            if not supported.get(feature, False):
                problems.append(
                    f"{intent.hostname}: platform {intent.platform} cannot do '{feature}' "
                    f"({why}; see templates/features.yaml)"
                )
    return problems


def render_all(
    design_root: Path,
    intents: Mapping[str, DeviceIntent],
    features: Features,
    subdir: str | None = None,
) -> list[RenderedConfig]:
    problems = check_features(intents.values(), features)
    if problems:
        raise RenderError(problems)
    env = environment(design_root)
    syntax_errors = template_syntax_errors(env)
    if syntax_errors:
        raise RenderError.at(syntax_errors)
    rendered = []
    failures: list[tuple[str, TemplateError]] = []
    for name, plain in sorted(intents.items()):
        platform = Platform(plain.platform)
        needs = features.needs_of(plain)
        intent = plain.model_copy(update={"platform_needs": needs}) if needs else plain
        try:
            text = render_device(env, intent)
            files = render_host_files(env, intent, text) if is_linux_router(intent) else ()
        except TemplateError as error:
            failures.append((name, error))
            continue
        except ValueError as error:
            problems.append(f"{name}: {platform.value}: {error}")
            continue
        folder = Path(subdir or platform.value)
        rendered.append(
            RenderedConfig(
                name,
                platform.value,
                folder / name if files else folder / f"{name}{CONFIG_SUFFIX[platform]}",
                bundle_text(files) if files else text,
                tuple(f"{name}: {MODEL_NEEDS[need][1]}" for need in needs),
                files,
            )
        )
    if failures:
        located = group_template_errors(failures)
        raise RenderError([*problems, *(p.format() for p in located)], located)
    if problems:
        raise RenderError(problems)
    return rendered


def render_design(
    design: Design, graph: nx.MultiGraph, hosts: list[str] | None = None, lab: bool = False
) -> list[RenderedConfig]:
    """Every selected device in its own platform; with ``lab``, every one again as FRR."""
    from govnet.templates.build import build_intents

    features = load_features(template_dirs(design.root))
    configs = render_all(design.root, build_intents(design, graph, hosts), features)
    if lab:
        configs += render_all(
            design.root, build_intents(design, graph, hosts, lab=True), features, "lab"
        )
    return configs


def write_configs(out: Path, configs: Iterable[RenderedConfig]) -> list[Path]:
    """Write each file atomically; unchanged files are left alone (their mtime too). A Linux
    router's files get the mode they are installed with."""
    written = []
    for config in configs:
        targets: list[tuple[Path, str, int | None]] = [
            (config.path / f.path, f.text, f.mode) for f in config.files
        ] or [(config.path, config.text, None)]
        for target, text, mode in targets:
            path = out / target
            path.parent.mkdir(parents=True, exist_ok=True)
            if not (path.is_file() and path.read_text(encoding="utf-8") == text):
                write_atomically(path, text)
                written.append(path)
            if mode is not None and path.stat().st_mode & 0o777 != mode:
                path.chmod(mode)  # a Linux router's file, installed as it is written
    return written


def intent_json(intent: DeviceIntent) -> dict[str, Any]:
    return intent.model_dump(mode="json")
