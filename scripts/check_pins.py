#!/usr/bin/env python3
"""Fail when a newer patch release of a pinned framework exists.

Django and Wagtail ship security fixes as patch releases (5.2.x, 8.0.x); the pins in
requirements.txt must be on the newest patch of their line. This asks the package index
(``pip index versions``, so pip's own index settings and mirrors apply) for the releases of
each package in ``WATCHED`` and compares them with the pin:

    .venv/bin/python scripts/check_pins.py            # exit 0: every pin is current
                                                       # exit 1: a newer patch exists
                                                       # exit 2: the index could not be asked

Only releases of the pinned major.minor line count (a new feature release is a planned
upgrade, not a missed security fix); pre-releases never count. Needs the network: CI runs it
as its own step (.ci/run). The comparison itself is tested offline (tests/portal/test_check_pins.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

WATCHED = ("Django", "wagtail")
REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")
_RELEASE = re.compile(r"^(\d+(?:\.\d+)*)$")


class IndexUnavailable(Exception):
    """The package index could not be asked (no network, no such package)."""


def name_normalise(name: str) -> str:
    """PEP 503: case and runs of ``-``, ``_``, ``.`` do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins_read(text: str) -> dict[str, str]:
    """``name == version`` pins of a requirements file, by normalised name (extras, markers
    and comments ignored; ranges such as ``>=8.18,<9`` are not pins)."""
    pins = {}
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            pins[name_normalise(match.group(1))] = match.group(2)
    return pins


def release_parse(version: str) -> tuple[int, ...] | None:
    """A final release as a tuple of numbers (``5.2`` is ``(5, 2, 0)``); None for anything
    else (``5.2.20rc1``, ``6.0a1``, ``5.2.1.dev0``, ``5.2.1.post1``)."""
    match = _RELEASE.match(version.strip())
    if not match:
        return None
    parts = tuple(int(p) for p in match.group(1).split("."))
    return parts + (0,) * (3 - len(parts)) if len(parts) < 3 else parts


def newer_patches(pin: str, available: Iterable[str]) -> list[str]:
    """Final releases of ``pin``'s major.minor line newer than ``pin``, newest first."""
    pinned = release_parse(pin)
    if pinned is None:
        raise ValueError(f"the pin {pin!r} is not a final release")
    newer = []
    for version in available:
        release = release_parse(version)
        if release is not None and release[:2] == pinned[:2] and release > pinned:
            newer.append((release, version))
    return [version for _release, version in sorted(newer, reverse=True)]


def index_versions_parse(output: str) -> list[str]:
    """The versions in ``pip index versions`` output (its "Available versions:" line)."""
    for line in output.splitlines():
        if line.strip().startswith("Available versions:"):
            listed = line.split(":", 1)[1]
            return [v.strip() for v in listed.split(",") if v.strip()]
    raise IndexUnavailable("the package index listed no versions")


def index_versions(name: str) -> list[str]:
    """Every version of ``name`` the package index offers (through pip and its settings)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise IndexUnavailable(str(exc)) from exc
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise IndexUnavailable(lines[-1] if lines else f"pip exited with {done.returncode}")
    return index_versions_parse(done.stdout)


def check(
    *,
    requirements: str,
    watched: Iterable[str] = WATCHED,
    versions: Callable[[str], list[str]] = index_versions,
    out=print,
) -> int:
    """0 when every watched pin is on its line's newest patch, 1 when one is not, 2 when a
    watched package is not pinned or the index cannot be asked."""
    pins = pins_read(requirements)
    status = 0
    for name in watched:
        pin = pins.get(name_normalise(name))
        if pin is None:
            out(f"{name}: not pinned with == in requirements.txt")
            status = max(status, 2)
            continue
        try:
            newer = newer_patches(pin, versions(name))
        except IndexUnavailable as exc:
            out(f"{name}: could not ask the package index ({exc})")
            status = max(status, 2)
            continue
        if newer:
            out(f"{name}: pinned {pin}, but {newer[0]} is out — update requirements.txt")
            status = max(status, 1)
        else:
            out(f"{name}: {pin} is the newest patch release of its line")
    return status


def main() -> int:
    return check(requirements=REQUIREMENTS.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
