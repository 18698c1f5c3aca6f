"""The one spreadsheet reader: hostile files are refused (or read as what they really hold)
with a Chinese message, in bounded memory; the one writer never lets text become a formula."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal import spreadsheets

from . import hostile

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter, so that its peak RSS says what reading the file cost.
PROBE = """
import json, os, resource, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
import django
django.setup()
from portal import spreadsheets
import openpyxl.worksheet._reader, openpyxl.reader.excel  # imported before the baseline
path, name = sys.argv[1], sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open(path, "rb") as f:
        rows = spreadsheets.rows_read(name=name, data=f)
    outcome = {"rows": len(rows), "first": [str(v) for v in rows[0]] if rows else []}
except spreadsheets.ImportRejected as exc:
    outcome = {"error": exc.errors[0]}
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcome["growth_mb"] = (after - before) / 1024
print(json.dumps(outcome, ensure_ascii=False))
"""


def probe(path: Path, name: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


BOUND_MB = 200


def test_dimension_bomb_is_read_as_the_rows_it_really_has(tmp_path):
    path = tmp_path / "bomb.xlsx"
    hostile.dimension_bomb(path, [["学号", "姓名"], ["S1", "林一"], ["S2", "林二"]])
    assert path.stat().st_size < 10_000
    outcome = probe(path, "名单.xlsx")
    assert outcome.get("error") is None
    assert outcome["rows"] == 3
    assert outcome["first"] == ["学号", "姓名"]
    assert outcome["growth_mb"] < BOUND_MB


def test_zip_bomb_is_refused_from_the_zip_directory(tmp_path):
    path = tmp_path / "zipbomb.xlsx"
    hostile.zip_bomb(path, megabytes=300)
    assert path.stat().st_size < 2 * 1024 * 1024
    outcome = probe(path, "名单.xlsx")
    assert "解压后过大" in outcome["error"]
    assert outcome["growth_mb"] < BOUND_MB


def test_zip_member_is_also_capped_while_unpacking(tmp_path, monkeypatch):
    """Should the zip directory lie about a member's size, unpacking stops at the limit."""
    path = tmp_path / "liar.xlsx"
    hostile.zip_bomb(path, megabytes=30)
    monkeypatch.setattr(spreadsheets.reading, "_zip_check", lambda data, limits: None)
    with pytest.raises(spreadsheets.ImportRejected) as caught:
        spreadsheets.rows_read(name="名单.xlsx", data=path.read_bytes())
    assert "解压后过大" in caught.value.errors[0]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_hundred_thousand_rows_are_refused_at_the_limit(tmp_path, fmt):
    path = tmp_path / f"rows.{fmt}"
    (hostile.many_rows_xlsx if fmt == "xlsx" else hostile.many_rows_csv)(path, 100_000)
    outcome = probe(path, f"名单.{fmt}")
    assert "行数超过上限" in outcome["error"]
    assert f"{spreadsheets.MAX_ROWS} 行" in outcome["error"]
    assert outcome["growth_mb"] < BOUND_MB


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_huge_cell_is_refused(tmp_path, fmt):
    path = tmp_path / f"cell.{fmt}"
    (hostile.huge_cell_xlsx if fmt == "xlsx" else hostile.huge_cell_csv)(path)
    outcome = probe(path, f"名单.{fmt}")
    assert "内容过长" in outcome["error"]
    assert "第 2 行" in outcome["error"]
    assert outcome["growth_mb"] < BOUND_MB


def test_a_row_wider_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "wide.xlsx"
    hostile.wide_row_xlsx(path, columns=16_000)
    outcome = probe(path, "名单.xlsx")
    assert "列数超过上限" in outcome["error"]
    assert outcome["growth_mb"] < BOUND_MB


def test_a_file_too_big_on_disk_is_refused_before_reading():
    data = b"a" * (spreadsheets.MAX_BYTES + 1)
    with pytest.raises(spreadsheets.ImportRejected) as caught:
        spreadsheets.rows_read(name="x.csv", data=data)
    assert "文件过大" in caught.value.errors[0]


def test_utf8_bom_followed_by_gbk_text_is_read():
    data = b"\xef\xbb\xbf" + "学号,姓名\nS1,林一\n".encode("gbk")
    assert spreadsheets.rows_read(name="x.csv", data=data) == [["学号", "姓名"], ["S1", "林一"]]


def test_unknown_encoding_gets_a_chinese_message():
    with pytest.raises(spreadsheets.ImportRejected) as caught:
        spreadsheets.rows_read(name="x.csv", data=b"\xff\xfe\x00\xd8\x00\xd8")
    assert "编码" in caught.value.errors[0]


def test_error_list_is_capped_with_the_count():
    errors = spreadsheets.errors_capped([f"第 {n} 行：错" for n in range(2, 100_002)])
    assert len(errors) == spreadsheets.ERRORS_SHOWN + 1
    assert errors.total == 100_000
    assert "共 100000 处问题" in errors[-1]


# --- writing ------------------------------------------------------------------------------------

HOSTILE_TEXT = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_xlsx_writer_keeps_text_as_text_and_neutralises_formulas():
    data = spreadsheets.xlsx_build(
        spreadsheets.Sheet(title="t", headers=["h"], rows=[[v] for v in HOSTILE_TEXT] + [[-5]])
    )
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    for cell, text in zip(cells, HOSTILE_TEXT, strict=False):
        assert cell.data_type == "s"
        assert cell.value == "'" + text
    assert cells[-1].value == -5  # numbers stay numbers


def test_csv_writer_neutralises_formulas():
    text = spreadsheets.csv_build(["h"], [[v] for v in HOSTILE_TEXT]).decode("utf-8-sig")
    values = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert values == ["'" + v for v in HOSTILE_TEXT]
