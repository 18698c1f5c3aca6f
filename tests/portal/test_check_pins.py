"""Issue 12, item 14: scripts/check_pins.py fails CI when a newer patch release of Django or
Wagtail than the pin exists. The index is asked only in CI; the comparison is tested here,
offline."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pins():
    spec = importlib.util.spec_from_file_location("check_pins", ROOT / "scripts" / "check_pins.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REQUIREMENTS = """# Runtime dependencies (pinned).
Django==5.2.19
wagtail==8.0.1  # the CMS
psycopg[binary]==3.2.13
elasticsearch>=8.18,<9
"""


def test_requirements_pin_the_watched_frameworks_exactly(pins):
    found = pins.pins_read((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    for name in pins.WATCHED:
        assert pins.release_parse(found[pins.name_normalise(name)]) is not None, name


def test_pins_are_read_with_extras_comments_and_any_spelling(pins):
    found = pins.pins_read(REQUIREMENTS)
    assert found == {"django": "5.2.19", "wagtail": "8.0.1", "psycopg": "3.2.13"}
    assert pins.name_normalise("Django_Tasks.DB") == "django-tasks-db"


def test_a_newer_patch_of_the_pinned_line_is_found(pins):
    available = ["5.2.21", "5.2.20", "5.2.19", "5.2.18", "5.1.15"]
    assert pins.newer_patches("5.2.19", available) == ["5.2.21", "5.2.20"]


def test_the_newest_patch_passes_and_other_lines_and_pre_releases_do_not_count(pins):
    available = ["6.0.1", "6.0", "5.3.0", "5.2.20rc1", "5.2.20.dev0", "5.2.19", "4.2.30"]
    assert pins.newer_patches("5.2.19", available) == []
    # Numbers, not text: 5.2.10 is newer than 5.2.9.
    assert pins.newer_patches("5.2.9", ["5.2.10"]) == ["5.2.10"]
    # A line's first release has no third number.
    assert pins.newer_patches("8.0", ["8.0.1", "8.1"]) == ["8.0.1"]


def test_pip_index_output_is_read(pins):
    output = (
        "WARNING: pip index is currently an experimental command.\n"
        "wagtail (8.0.2)\n"
        "Available versions: 8.0.2, 8.0.1, 8.0, 7.2.3\n"
        "  INSTALLED: 8.0.1\n"
        "  LATEST:    8.0.2\n"
    )
    assert pins.index_versions_parse(output) == ["8.0.2", "8.0.1", "8.0", "7.2.3"]
    with pytest.raises(pins.IndexUnavailable):
        pins.index_versions_parse("ERROR: No matching distribution found for nosuchthing\n")


def _run(pins, available):
    lines = []
    status = pins.check(
        requirements=REQUIREMENTS, versions=lambda name: available[name], out=lines.append
    )
    return status, lines


def test_check_fails_naming_the_pin_and_the_newer_release(pins):
    status, lines = _run(pins, {"Django": ["5.2.20", "5.2.19"], "wagtail": ["8.0.1"]})
    assert status == 1
    assert "Django: pinned 5.2.19, but 5.2.20 is out" in lines[0]
    assert "wagtail: 8.0.1 is the newest" in lines[1]


def test_check_passes_when_every_pin_is_current(pins):
    status, _lines = _run(pins, {"Django": ["6.0", "5.2.19"], "wagtail": ["8.1", "8.0.1"]})
    assert status == 0


def test_check_fails_when_the_index_cannot_be_asked(pins):
    def offline(name):
        raise pins.IndexUnavailable("network unreachable")

    lines = []
    status = pins.check(requirements=REQUIREMENTS, versions=offline, out=lines.append)
    assert status == 2 and "could not ask the package index" in lines[0]
    status = pins.check(requirements="wagtail==8.0.1\n", versions=lambda n: ["8.0.1"], out=print)
    assert status == 2  # Django not pinned at all
