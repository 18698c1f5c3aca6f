"""Exports as background jobs (R-26, issue 20): start → progress → download, owner only,
capability asked at every step, filters, failure, progress, retention, query budgets."""

from __future__ import annotations

import datetime
import os

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks

from accounts.models import Notification
from portal.exports import services
from portal.exports.forms import ExportForm
from portal.exports.registry import CSV, EXPORT_KINDS_HOOK, ExportKind, ExportTable
from portal.models import ExportJob
from schools.models import AccessLog
from screening.services import result_save
from tests.csrf import hidden_fields
from tests.exports import csv_text, download, export_job, export_start, xlsx_rows
from tests.factories import StudentFactory
from tests.screening.factories import answers_for, make_round, phq9


def _client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _screen(school_class, n, score):
    rnd = make_round(school_class.school)
    for student in StudentFactory.create_batch(n, school_class=school_class):
        result_save(
            round=rnd,
            instrument=phq9(),
            student=student,
            answers=answers_for(score),
            taken_on=timezone.localdate(),
        )


@pytest.fixture
def screened(world):
    """School A: 6 students with mild results; school B (named like a formula): 4 in crisis."""
    world.b.name = "=HYPERLINK(乙区育才)"
    world.b.save(update_fields=["name"])
    _screen(world.a7_1, 6, 3)
    _screen(world.b7_1, 4, 21)
    return world


def _job_files(settings) -> list[str]:
    folder = os.path.join(settings.PRIVATE_MEDIA_ROOT, "exports")
    return [os.path.join(root, name) for root, _dirs, names in os.walk(folder) for name in names]


# --- start → done → download ------------------------------------------------------------------


def test_bureau_figures_export_runs_as_a_job_suppressed_and_neutralised(screened, settings):
    world = screened
    client = _client(world.auditor)
    job = export_job(client, "screening-figures")
    assert job.status == ExportJob.Status.DONE and job.percent == 100
    assert job.user == world.auditor and job.format == "xlsx"
    page = client.get(reverse("exports_admin:job", args=[job.pk])).content.decode()
    assert reverse("exports_admin:download", args=[job.pk]) in page
    rows = xlsx_rows(download(client, job), "测评汇总")
    assert rows[0][:3] == ("学校代码", "学校", "学段")
    by_code = {row[0]: row for row in rows[1:]}
    b_row = by_code[world.b.code]
    # The formula-like school name is text, neutralised; 4 crisis students are “<5”.
    assert b_row[1] == "'=HYPERLINK(乙区育才)"
    assert b_row[6] == "<5"
    # Suppression kept: no cell of the aggregates holds 1–4.
    for row in rows[1:]:
        assert not any(isinstance(c, int) and 1 <= c <= 4 for c in row[3:]), row
    assert rows[-1][1] == "合计"
    flat = " ".join(str(c) for row in rows for c in row)
    assert world.own.name not in flat
    # The download is logged as the in-request export was.
    line = AccessLog.objects.filter(user=world.auditor, action="export-aggregate").get()
    assert (line.object_type, line.object_id, line.count) == (
        "screening.figures",
        str(job.pk),
        job.written,
    )
    assert line.ip == "127.0.0.1"
    # The file sits in private storage, under no served path.
    [path] = _job_files(settings)
    assert str(settings.PRIVATE_MEDIA_ROOT) in path and not os.path.basename(path).startswith(".")


def test_the_old_figures_link_opens_the_start_form(screened):
    client = _client(screened.auditor)
    response = client.get(reverse("screening:figures_export"))
    assert response.status_code == 302
    assert response["Location"] == reverse("exports_admin:start", args=["screening-figures"])


def test_figures_narrowed_to_a_township_keep_city_cells_and_drop_the_total(screened):
    world = screened
    world.a.township = "东岭镇"
    world.a.save(update_fields=["township"])
    world.b.township = "西川镇"
    world.b.save(update_fields=["township"])
    client = _client(world.bureau_admin)
    whole = xlsx_rows(download(client, export_job(client, "screening-figures")), "测评汇总")
    job = export_job(client, "screening-figures", {"township": "西川镇"})
    rows = xlsx_rows(download(client, job), "测评汇总")
    assert [r[0] for r in rows[1:]] == [world.b.code]
    assert rows[1] == next(r for r in whole if r[0] == world.b.code)  # the city table's cells
    assert "合计" not in [r[1] for r in rows]
    assert "西川镇" in job.title
    by_school = export_job(client, "screening-figures", {"schools": [world.a.pk]})
    assert [r[0] for r in xlsx_rows(download(client, by_school), "测评汇总")[1:]] == [world.a.code]


# --- who may start, see and download -------------------------------------------------------------


def test_without_the_capability_nobody_starts_it(screened):
    world = screened
    client = _client(world.psych)  # reads the school's figures, may not export the city's
    url = reverse("exports_admin:start", args=["screening-figures"])
    before = AccessLog.objects.count()
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403  # CSRF or capability: refused either way
    line = AccessLog.objects.filter(pk__gt=0).order_by("-pk").first()
    assert AccessLog.objects.count() > before and line.allowed is False
    assert not ExportJob.objects.exists()
    assert client.get(reverse("screening:figures_export")).status_code == 403


def test_only_the_owner_sees_and_downloads_a_job(screened):
    world = screened
    job = export_job(_client(world.auditor), "screening-figures")
    other = _client(world.bureau_admin)  # holds the same capability, is not the owner
    for name in ("job", "status", "download"):
        before = AccessLog.objects.count()
        response = other.get(reverse(f"exports_admin:{name}", args=[job.pk]))
        assert response.status_code == 404, name
        assert AccessLog.objects.count() == before + 1
        assert AccessLog.objects.order_by("-pk").first().allowed is False
    listing = other.get(reverse("exports_admin:index")).content.decode()
    assert reverse("exports_admin:job", args=[job.pk]) not in listing
    assert reverse("exports_admin:job", args=[job.pk]) in (
        _client(world.auditor).get(reverse("exports_admin:index")).content.decode()
    )


def test_download_asks_the_capability_again(screened):
    """A job whose kind the owner may no longer export is not handed out (403, logged)."""
    world = screened
    client = _client(world.bureau_admin)
    job = export_job(client, "screening-figures")
    ExportJob.objects.filter(pk=job.pk).update(kind="access-log")  # the auditor's task only
    response = client.get(reverse("exports_admin:download", args=[job.pk]))
    assert response.status_code == 403
    assert AccessLog.objects.filter(user=world.bureau_admin, action="export-download-denied")


def test_the_start_form_needs_the_csrf_token(screened):
    client = _client(screened.auditor)
    url = reverse("exports_admin:start", args=["screening-figures"])
    fields = hidden_fields(client.get(url))
    fields.pop("csrfmiddlewaretoken")
    assert client.post(url, fields).status_code == 403
    assert not ExportJob.objects.exists()


def test_a_double_submit_starts_one_job(screened):
    client = _client(screened.auditor)
    url = reverse("exports_admin:start", args=["screening-figures"])
    fields = hidden_fields(client.get(url))
    first = client.post(url, fields)
    second = client.post(url, fields)
    assert first["Location"] == second["Location"]
    assert ExportJob.objects.count() == 1


# --- filters: a school's staff choose among their own school only -------------------------------


def test_a_school_user_exports_only_their_own_school(world):
    client = _client(world.school_admin)
    response = export_start(client, "training-school-report", {"school": world.b.pk})
    assert response.status_code == 400
    assert "学校" in response.content.decode()
    assert not ExportJob.objects.exists()
    job = export_job(client, "training-school-report", {"school": world.a.pk})
    rows = xlsx_rows(download(client, job))
    assert world.a.name in rows[0][0]
    names = {r[1] for r in rows[2:]}
    assert world.school_admin.username in names
    assert world.users["b_admin"].username not in names


def test_city_hours_filtered_by_township(world):
    world.a.township = "东岭镇"
    world.a.save(update_fields=["township"])
    world.b.township = "西川镇"
    world.b.save(update_fields=["township"])
    client = _client(world.bureau_admin)
    whole = xlsx_rows(download(client, export_job(client, "training-city-report")))
    assert {r[0] for r in whole[2:-1]} == {world.a.code, world.b.code}
    assert whole[-1][1] == "全市合计"
    job = export_job(client, "training-city-report", {"township": "东岭镇"})
    rows = xlsx_rows(download(client, job))
    assert [r[0] for r in rows[2:-1]] == [world.a.code]
    assert rows[-1][1] == "东岭镇合计" and rows[-1][2] == rows[2][2]
    assert "东岭镇" in job.filename


def test_incident_export_filters_by_school_and_dates_and_neutralises(world):
    from tests.duty.factories import IncidentFactory

    now = timezone.now()
    hour_ago = now - datetime.timedelta(hours=1)
    IncidentFactory(
        school=world.a, place="=cmd|'/c calc'!A1", discovered_at=now - datetime.timedelta(days=40)
    )
    recent = IncidentFactory(school=world.a, place="操场", discovered_at=hour_ago)
    IncidentFactory(school=world.b, place="食堂", discovered_at=hour_ago)
    client = _client(world.bureau_admin)
    text = csv_text(download(client, export_job(client, "duty-incidents")))
    assert "'=cmd|" in text and "食堂" in text
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    job = export_job(client, "duty-incidents", {"schools": [world.a.pk], "start": since})
    lines = csv_text(download(client, job)).strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{recent.pk},")
    bad = export_start(client, "duty-incidents", {"start": "2026-05-02", "end": "2026-05-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()


# --- failure, progress, notification ---------------------------------------------------------------


class _Form(ExportForm):
    pass


def _kind(build, name="test-kind"):
    return ExportKind(
        name=name,
        label="测试导出",
        capability="portal.backoffice",
        form=_Form,
        build=build,
        filename=lambda params: "测试",
        formats=(CSV,),
        log_object_type="portal.test",
    )


def test_a_failing_generator_leaves_a_failed_job_and_no_file(world, settings, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)

    def build(*, user, params):
        def rows():
            for i in range(5):
                yield [i, "行"]
            raise RuntimeError("boom")

        return ExportTable(headers=["序号", "内容"], rows=rows(), total=10)

    kind = _kind(build)
    with hooks.register_temporarily(EXPORT_KINDS_HOOK, lambda: [kind]):
        client = _client(world.leader)
        job = export_job(client, kind.name)
        assert job.status == ExportJob.Status.FAILED
        assert "导出失败" in job.error and not job.file
        assert job.written == 4  # the progress saved before it failed
        assert _job_files(settings) == []  # no partial file, not even a hidden one
        page = client.get(reverse("exports_admin:job", args=[job.pk])).content.decode()
        assert job.error in page
        assert reverse("exports_admin:download", args=[job.pk]) not in page
        assert client.get(reverse("exports_admin:download", args=[job.pk])).status_code == 302


def test_progress_is_saved_every_n_rows_and_reported(world, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    seen = []

    def build(*, user, params):
        def rows():
            for i in range(5):
                job = ExportJob.objects.get()
                seen.append((job.status, job.written, job.total, job.percent))
                yield [i]

        return ExportTable(headers=["序号"], rows=rows(), total=5)

    kind = _kind(build)
    with hooks.register_temporarily(EXPORT_KINDS_HOOK, lambda: [kind]):
        client = _client(world.leader)
        job = export_job(client, kind.name)
        assert [s[1] for s in seen] == [0, 0, 2, 2, 4]
        assert seen[2] == ("running", 2, 5, 40)
        status = client.get(reverse("exports_admin:status", args=[job.pk])).json()
        assert status["status"] == "done" and status["percent"] == 100
        assert status["written"] == 5 and status["ready"] is True
        assert status["download_url"] == reverse("exports_admin:download", args=[job.pk])
        assert csv_text(download(client, job)).splitlines() == ["序号", "0", "1", "2", "3", "4"]


def test_a_running_job_page_refreshes_itself(world):
    job = ExportJob.objects.create(
        user=world.leader, kind="duty-incidents", title="事件报告", format="csv", total=10
    )
    ExportJob.objects.filter(pk=job.pk).update(status="running", written=3)
    client = _client(world.leader)
    page = client.get(reverse("exports_admin:job", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and "<script>" in page
    assert reverse("exports_admin:status", args=[job.pk]) in page
    assert "30%" in page and "正在生成" in page
    assert client.get(reverse("exports_admin:status", args=[job.pk])).json()["percent"] == 30


def test_a_slow_job_tells_its_owner_in_the_message_centre(world, monkeypatch):
    monkeypatch.setattr(services, "NOTIFY_AFTER", datetime.timedelta(0))
    kind = _kind(lambda *, user, params: ExportTable(headers=["a"], rows=[["1"]], total=1))
    with hooks.register_temporarily(EXPORT_KINDS_HOOK, lambda: [kind]):
        job = export_job(_client(world.leader), kind.name)
    note = Notification.objects.get(recipient=world.leader)
    assert note.title.startswith("导出已完成") and note.link == f"/admin/exports/{job.pk}/"


# --- retention ---------------------------------------------------------------------------------------


def test_retention_deletes_old_files_and_keeps_the_job(screened, settings):
    from portal.services import retention_apply, retention_plan

    client = _client(screened.auditor)
    job = export_job(client, "screening-figures")
    stuck = ExportJob.objects.create(user=screened.auditor, kind="x", title="x", format="csv")
    old = timezone.now() - datetime.timedelta(days=settings.XINYU_EXPORT_RETENTION_DAYS + 1)
    ExportJob.objects.filter(pk__in=[job.pk, stuck.pk]).update(created_at=old)
    plan = retention_plan()
    assert plan.export_files == 1
    assert retention_apply(plan=plan)["export_files"] == 1
    job.refresh_from_db()
    stuck.refresh_from_db()
    assert not job.file and _job_files(settings) == []
    assert stuck.status == ExportJob.Status.FAILED
    page = client.get(reverse("exports_admin:job", args=[job.pk])).content.decode()
    assert "已超过保留期" in page
    assert client.get(reverse("exports_admin:download", args=[job.pk])).status_code == 302


# --- query budgets ---------------------------------------------------------------------------------


CAPTURED = []


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    CAPTURED[:] = ctx.captured_queries
    return len(ctx.captured_queries)


def test_progress_and_status_pages_cost_the_same_whatever_the_export(world, monkeypatch):
    sizes = {"small": 1, "large": 300}
    kinds = [
        _kind(
            lambda *, user, params, n=n: ExportTable(headers=["a"], rows=[[i] for i in range(n)]),
            name=name,
        )
        for name, n in sizes.items()
    ]
    with hooks.register_temporarily(EXPORT_KINDS_HOOK, lambda: kinds):
        client = _client(world.leader)
        small, large = (export_job(client, name) for name in sizes)
        assert large.written == 300
        for name in ("job", "status"):
            _queries(client, reverse(f"exports_admin:{name}", args=[small.pk]))  # warm caches
            cost = _queries(client, reverse(f"exports_admin:{name}", args=[small.pk]))
            assert _queries(client, reverse(f"exports_admin:{name}", args=[large.pk])) == cost
            assert cost <= 16, "\n".join(q["sql"][:160] for q in CAPTURED)
        for _ in range(5):
            export_job(client, "small")
        _queries(client, reverse("exports_admin:index"))
        listing = _queries(client, reverse("exports_admin:index"))
        for _ in range(5):
            export_job(client, "large")
        assert _queries(client, reverse("exports_admin:index")) == listing


def test_a_database_error_inline_fails_the_job_not_the_request(world):
    """With tasks inline the job runs in the request's transaction: a database error in the
    build is rolled back to a savepoint, the job says it failed, the request still answers."""
    from django.db import DatabaseError

    def build(*, user, params):
        raise DatabaseError("could not serialize access")

    kind = _kind(build)
    with hooks.register_temporarily(EXPORT_KINDS_HOOK, lambda: [kind]):
        client = _client(world.leader)
        job = export_job(client, kind.name)
        assert job.status == ExportJob.Status.FAILED and "导出失败" in job.error
        assert client.get(reverse("exports_admin:index")).status_code == 200
