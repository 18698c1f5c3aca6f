"""The screening figures page at province size (R-26): the city's figures over every school,
one row per township, one township's schools on demand; queries do not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.vocab import Role
from tests.factories import make_member
from tests.towns import school_names, towns

URL = "screening:figures"


def test_default_is_one_row_per_township(client, db):
    made = towns(townships=3, per=2)
    client.force_login(make_member(Role.BUREAU_ADMIN))
    html = client.get(reverse(URL)).content.decode()
    for names in school_names(made).values():
        for name in names:
            assert name not in html
    for town in made:
        assert f">{town}</a>（2 所）" in html
    # 36 students, 6 archives: shares from the summed counts (16.7 %), never averaged.
    assert "在读学生 36 人" in html and "建档率 16.7%" in html
    # A township of 12 students and 2 archives: the count hidden, its share too.
    row = html.split(">第1镇</a>（2 所）")[-1].split("</tr>", 1)[0]
    assert "<td>12</td>" in row and "<td>&lt;5</td><td>&lt;5 人</td>" in row


def test_a_township_lists_only_its_schools_and_its_total(client, db):
    made = towns(townships=3, per=2)
    client.force_login(make_member(Role.BUREAU_ADMIN))
    html = client.get(reverse(URL), {"township": "第3镇"}).content.decode()
    names = school_names(made)
    for name in names["第3镇"]:
        assert f"<td>{name}</td>" in html
    for town in ("第1镇", "第2镇"):
        for name in names[town]:
            assert name not in html
    assert "第3镇合计" in html and "全市合计" in html


def test_a_school_user_sees_their_school_as_before(client, db):
    made = towns(townships=2, per=1)
    school = made["第1镇"][0]
    client.force_login(make_member(Role.PSYCH_TEACHER, school=school))
    html = client.get(reverse(URL)).content.decode()
    assert f"<td>{school.name}</td>" in html and 'id="township-choice"' not in html


@pytest.mark.parametrize("query", [{}, {"township": "第1镇"}])
def test_queries_do_not_grow_with_schools_or_townships(client, db, query):
    admin = make_member(Role.BUREAU_ADMIN)
    towns(townships=2, per=1)
    towns(townships=1, per=1)  # 3 schools in 2 townships
    client.force_login(admin)
    client.get(reverse(URL), query)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse(URL), query)
    small = len(ctx.captured_queries)
    towns(townships=4, per=2, start=2)  # 12 schools in 6 townships
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse(URL), query).content.decode()
    assert len(ctx.captured_queries) == small
    assert "第6镇" in html and "第6镇第1学校" not in html
