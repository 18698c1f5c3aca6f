"""Demo campaigns for the fictional city: this term's report (due in two weeks, some schools
submitted, some drafting, one returned) and last year's, now closed, with late schools.

Idempotent: a campaign is looked up by title and filled in only when it is created.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from oversight.models import Campaign, Question
from oversight.services import (
    campaign_create,
    submission_return,
    submission_save_draft,
    submission_start,
    submission_submit,
)
from schools.calendar import Period, SchoolYear
from schools.models import Membership, School
from schools.vocab import Role

QUESTIONS = [
    {
        "label": "本学年心理健康教育工作的主要做法与成效",
        "kind": Question.Kind.TEXT,
        "help_text": "请概述课程、活动、家校协同等方面的做法，500 字以内。",
    },
    {
        "label": "开设心理健康教育课的班级数",
        "kind": Question.Kind.NUMBER,
        "help_text": "按本学年实际开课的班级计。",
    },
    {"label": "是否每学期至少开展一次全员心理健康测评", "kind": Question.Kind.YES_NO},
    {
        "label": "家校协同的主要方式",
        "kind": Question.Kind.CHOICE,
        "choices": "家长学校\n家访\n线上家长课堂\n家长开放日",
    },
    {
        "label": "存在的困难与下一步打算",
        "kind": Question.Kind.TEXT,
        "required": False,
    },
    {
        "label": "工作总结（附件）",
        "kind": Question.Kind.FILE,
        "required": False,
        "help_text": "可上传 PDF 或 Word 文件。",
    },
]

PRACTICES = [
    "每周一节心理健康课，结合主题班会开展“认识情绪”系列活动；心理辅导室午间开放，全年接待来访学生六十余人次。",
    "组建由班主任和心理教师组成的工作小组，每月召开一次学生心理状况研判会，对重点学生建立一人一案。",
    "开展“五月心理健康月”活动，包括心理情景剧展演、手抄报评比和家长讲座，覆盖全体学生。",
    "把生命教育融入道德与法治、体育等学科，组织春季研学和劳动实践，学生参与率达到百分之百。",
]
DIFFICULTIES = [
    "专职心理教师不足，兼职教师培训时间难以保证；下一步争取增设一个专职岗位。",
    "团体活动室面积偏小，下学期计划利用闲置教室改建。",
    "",
]


def _submitter(school):
    m = (
        Membership.objects.active()
        .filter(school=school, role__in=[Role.SCHOOL_LEADER, Role.SCHOOL_ADMIN])
        .select_related("user")
        .order_by("role", "user__username")
        .first()
    )
    return m.user if m else None


def _answers(campaign, rng, school):
    values = {}
    for q in campaign.questions.all():
        if q.kind == Question.Kind.TEXT:
            values[q.pk] = rng.choice(PRACTICES if q.required else DIFFICULTIES)
        elif q.kind == Question.Kind.NUMBER:
            values[q.pk] = Decimal(max(1, school.classes.count()))
        elif q.kind == Question.Kind.YES_NO:
            values[q.pk] = rng.random() > 0.2
        elif q.kind == Question.Kind.CHOICE:
            values[q.pk] = rng.choice(q.choice_list)
    return values


def _fill(campaign, school, rng, *, submit_at=None):
    user = _submitter(school)
    if user is None:
        return None
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(
        submission=sub,
        user=user,
        answers=_answers(campaign, rng, school),
        annotations={"staff_count": "含本学年新入职教师。"} if rng.random() < 0.3 else {},
    )
    if submit_at is not None:
        sub = submission_submit(submission=sub, user=user, now=submit_at)
    return sub


def load(*, out, rng):
    schools = list(School.objects.order_by("code"))
    if not schools:
        out("  没有学校，跳过报告任务。")
        return
    by_code = {s.code: s for s in schools}
    bureau = (
        Membership.objects.active().filter(role=Role.BUREAU_ADMIN).select_related("user").first()
    )
    now = timezone.now()
    school_year = SchoolYear.current()
    this_year = school_year.period

    title = f"{school_year.label}学生心理健康教育工作实施情况报告"
    if not Campaign.objects.filter(title=title).exists():
        campaign = campaign_create(
            title=title,
            intro=(
                "请各校对照市教育局学生心理健康教育工作实施方案，如实填报本学年的工作情况。"
                "平台已有的数据已自动预填，如与实际不符，请在说明栏中写明原因。"
            ),
            period=this_year,
            opens_at=now - datetime.timedelta(days=10),
            deadline=timezone.localtime(now + datetime.timedelta(days=14)).replace(
                hour=17, minute=0, second=0, microsecond=0
            ),
            questions=QUESTIONS,
        )
        submitted = ["X0102", "X0103", "X0104", "X0105", "X0110"]
        drafting = ["X0101", "X0106", "X0107"]
        returned = "X0108"
        for code in submitted + [returned]:
            if code in by_code:
                _fill(
                    campaign,
                    by_code[code],
                    rng,
                    submit_at=now - datetime.timedelta(days=rng.randrange(1, 6)),
                )
        for code in drafting:
            if code in by_code:
                _fill(campaign, by_code[code], rng)
        if returned in by_code and bureau:
            sub = campaign.submissions.get(school=by_code[returned])
            submission_return(
                submission=sub,
                user=bureau.user,
                comment="“开设心理健康教育课的班级数”与学校班级数不一致，请核实后重新提交，并补充家校协同的具体次数。",
            )
        out(f"  报告任务：{title}（{len(submitted) + 1} 所已提交，1 所退回）")

    last = Period(
        datetime.date(this_year.start.year - 1, 2, 1),
        datetime.date(this_year.start.year - 1, 7, 31),
    )
    old_title = f"{last.start.year}年春季学期心理健康教育工作实施情况报告"
    if not Campaign.objects.filter(title=old_title).exists():
        deadline = timezone.make_aware(datetime.datetime(last.start.year, 4, 20, 17, 0))
        campaign = campaign_create(
            title=old_title,
            intro="请各校于 4 月 20 日前报送本学期心理健康教育工作实施情况。",
            period=last,
            opens_at=deadline - datetime.timedelta(days=30),
            deadline=deadline,
            questions=QUESTIONS[:4],
        )
        never = {"X0111", "X0112"}
        late = {"X0109"}
        for school in schools:
            if school.code in never:
                continue
            days = -rng.randrange(1, 12) if school.code not in late else 3
            _fill(campaign, school, rng, submit_at=deadline + datetime.timedelta(days=days))
        out(f"  报告任务：{old_title}（已截止，{len(never)} 所未提交，{len(late)} 所逾期提交）")
