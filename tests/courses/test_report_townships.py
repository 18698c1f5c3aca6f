"""The city training-hours report at province size (R-26): the city's totals over every
school, one row per township (summed, shares from the sums), one township's schools on
demand; queries do not grow with schools or townships."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.vocab import Role
from tests.factories import make_member
from tests.towns import school_names, towns

URL = "training_admin:bureau_report"


def test_default_is_one_row_per_township(client, db):
    made = towns(townships=3, per=2)
    client.force_login(make_member(Role.BUREAU_ADMIN))
    html = client.get(reverse(URL)).content.decode()
    assert "全市 6 所学校（3 个乡镇、街道）" in html
    for names in school_names(made).values():
        for name in names:
            assert name not in html
    # Two schools of two staff each: 4 staff in the township's row.
    assert ">第2镇</a></td><td>2</td><td>4</td>" in html


def test_a_township_lists_only_its_schools(client, db):
    made = towns(townships=3, per=2)
    client.force_login(make_member(Role.BUREAU_ADMIN))
    html = client.get(reverse(URL), {"township": "第1镇", "period": "school_year"}).content
    html = html.decode()
    names = school_names(made)
    for name in names["第1镇"]:
        assert f"<td>{name}</td>" in html
    for town in ("第2镇", "第3镇"):
        for name in names[town]:
            assert name not in html
    assert "第1镇合计" in html
    # Changing the period keeps the township.
    assert '<input type="hidden" name="township" value="第1镇">' in html


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
