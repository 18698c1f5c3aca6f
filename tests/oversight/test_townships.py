"""The bureau's dashboard one township at a time (R-26): city figures over every school, a
summary row per township, one township's schools on demand; queries do not grow with
schools or townships. And the suppression that keeps schools, townships and city apart."""

import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.suppression import HIDDEN, _bridges, suppress_by_township
from schools.vocab import Role
from tests.factories import make_member
from tests.towns import school_names, towns

URL = "oversight:dashboard"


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_default_view_is_one_row_per_township_with_city_figures(client, db):
    made = towns(townships=3, per=2)
    client.force_login(make_member(Role.BUREAU_ADMIN))
    html = client.get(reverse(URL)).content.decode()
    assert "学校 6 所 · 乡镇（街道）3 个" in html
    # No school is named in the default view: each township a row linking to its schools.
    for names in school_names(made).values():
        for name in names:
            assert name not in html
    assert html.count('href="?township=%E7%AC%AC1%E9%95%87#panel-') == len(
        [p for p in html.split('class="xy-panel"')[1:]]
    )
    # Psychology teachers: 2 schools, both with a full-time teacher; city figures over all 6.
    assert "<td>配有专职教师</td><td>6</td><td>100%</td>" in html
    psych = html.split('id="panel-psych_teachers"', 1)[1].split("</section>", 1)[0]
    assert "<td>2</td><td>2</td><td>0</td><td>0</td><td>—</td>" in psych
    assert 'id="township-choice"' in html and "全部乡镇（按乡镇汇总）" in html


def test_a_township_lists_only_its_schools(client, db):
    made = towns(townships=3, per=2)
    client.force_login(make_member(Role.BUREAU_ADMIN))
    html = client.get(reverse(URL), {"township": "第2镇"}).content.decode()
    names = school_names(made)
    for name in names["第2镇"]:
        assert f"<td>{name}</td>" in html
    for town in ("第1镇", "第3镇"):
        for name in names[town]:
            assert name not in html
    assert "第2镇各校明细（2 所）" in html
    # The city's figures are still over every school.
    assert "<td>配有专职教师</td><td>6</td><td>100%</td>" in html
    # A township not in scope: the summary, with a word, never an error.
    html = client.get(reverse(URL), {"township": "不存在镇"}).content.decode()
    assert "没有找到所选的乡镇" in html and names["第1镇"][0] not in html


def test_a_school_leader_sees_their_school_as_before(client, db):
    made = towns(townships=2, per=1)
    school = made["第1镇"][0]
    client.force_login(make_member(Role.SCHOOL_LEADER, school=school))
    html = client.get(reverse(URL), {"township": "第2镇"}).content.decode()
    assert f"<td>{school.name}</td>" in html
    assert made["第2镇"][0].name not in html
    assert 'id="township-choice"' not in html


@pytest.mark.parametrize("query", [{}, {"township": "第1镇"}])
def test_queries_do_not_grow_with_schools_or_townships(client, db, query):
    admin = make_member(Role.BUREAU_ADMIN)
    towns(townships=2, per=1)
    towns(townships=1, per=1, start=0)  # a second school in 第1镇: 3 schools, 2 townships
    client.force_login(admin)
    url = reverse(URL)
    client.get(url, query)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, query)
    small = len(ctx.captured_queries)
    towns(townships=4, per=2, start=2)  # 12 schools in 6 townships
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url, query).content.decode()
    assert len(ctx.captured_queries) == small
    assert ("第6镇" in html) and ("第6镇第1学校" not in html)


# --- suppression over schools, townships and the city --------------------------------------


def _lines(groups, cols) -> tuple[list, list]:
    """The lines a reader adds up, and the townships' own rows (which follow from them)."""
    every = [*cols, "total"]
    lines, implied = [], []
    for key, ids in groups:
        for pk in ids:
            lines.append([(pk, c) for c in cols] + [(pk, "total")])
        for c in every:
            lines.append([(pk, c) for pk in ids] + [(("township", key), c)])
        implied.append([(("township", key), c) for c in every])
    for c in every:
        lines.append([(("township", k), c) for k, _ in groups] + [("total", c)])
    lines.append([("total", c) for c in every])
    return lines, implied


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_count_follows_from_any_view(seed):
    """Schools of a township, the townships and the city, read side by side: no line holds
    exactly one hidden count (subtraction gives it back), and every hidden count lies on a
    cycle of hidden counts (no chain of subtractions gives it back)."""
    rng = random.Random(seed)
    cols = ["general", "key", "crisis"]
    groups, counts, pk = [], {}, 0
    for t in range(rng.randint(2, 4)):
        ids = []
        for _ in range(rng.randint(1, 3)):
            pk += 1
            ids.append(pk)
            counts[pk] = {c: rng.choice([0, 0, 1, 2, 3, 5, 8, 13]) for c in cols}
        groups.append((f"T{t}", ids))
    shown = suppress_by_township(counts, groups=groups, cols=cols)

    def hidden(e):
        return shown[e] == HIDDEN or str(shown[e]).startswith("<")

    lines, implied = _lines(groups, cols)
    assert any(hidden(e) for e in shown) or all(
        not 0 < v < 5 for row in counts.values() for v in row.values()
    )
    for line in lines + implied:
        assert sum(1 for e in line if hidden(e)) != 1, line
    # The published counts as a graph: each count joins the two lines it lies on.
    where = {}
    for i, line in enumerate(lines):
        for e in line:
            where.setdefault(e, []).append(i)
    edges = {tuple(where[e]) for e in shown if hidden(e)}
    nodes = set(itertools.chain.from_iterable(edges))
    assert not _bridges(edges, nodes)


def test_a_township_subtotal_hidden_in_the_summary_stays_hidden_in_its_schools():
    # 第1镇: 2 and 7 crisis warnings; 第2镇: 6. The summary must hide 第1镇's 9 (else the
    # city total less 第2镇 gives it), and 第1镇's own table must not show both its schools.
    counts = {1: {"crisis": 2, "key": 6}, 2: {"crisis": 7, "key": 5}, 3: {"crisis": 6, "key": 9}}
    shown = suppress_by_township(
        counts, groups=[("一", [1, 2]), ("二", [3])], cols=["crisis", "key"]
    )
    assert shown[(1, "crisis")] == "<5"
    town = ("township", "一")
    if shown[(town, "crisis")] == HIDDEN:
        assert shown[(2, "crisis")] == HIDDEN
    assert not (isinstance(shown[(town, "crisis")], int) and isinstance(shown[(2, "crisis")], int))
