"""Demo duty data: a weekly rotation and this month's roster for every demo school, incidents in
several states, and safety checks. Idempotent: each part is skipped when it already exists.

Builds on the schools and people of ``demo.schools``; looks them up by role, never by id.
All names, places and texts are fictional.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from duty.models import (
    DutyRole,
    DutyRotationSlot,
    IncidentReport,
    SafetyCheck,
    SafetyCheckItem,
)
from duty.safety import safety_item_fix
from duty.services import (
    incident_create,
    incident_entry_add,
    roster_generate_month,
    rotation_slot_add,
    safety_check_add,
)
from schools import access
from schools.models import Membership, School, Student
from schools.services import staff_contact_set
from schools.vocab import Role

LEADER_ROLES = tuple(access.roles_holding("duty.lead.eligible"))
CADRE_ROLES = tuple(access.roles_holding("duty.cadre.eligible"))


def _fictional_phone(rng) -> str:
    return "139" + "".join(str(rng.randrange(10)) for _ in range(8))


def _rotation(*, school, rng, out) -> bool:
    """A weekly rotation: a school leader leads each day (领导带班), middle-level cadres (the
    roles ``duty.cadre.eligible`` names) are on duty beside them. Phones are the staff
    records' mobiles: a person without one gets a fictional number on their record."""
    if DutyRotationSlot.objects.filter(school=school).exists():
        return True
    members = list(
        Membership.objects.active()
        .filter(school=school)
        .select_related("user")
        .order_by("user__username")
    )
    leaders = list(dict.fromkeys(m.user for m in members if m.role in LEADER_ROLES))
    cadres = list(
        dict.fromkeys(m.user for m in members if m.role in CADRE_ROLES and m.user not in leaders)
    )
    if not leaders:
        out(f"  {school.name}：没有学校领导，跳过值班安排。")
        return False
    admin = next(
        (m.user for m in members if m.role in access.roles_holding("schools.records.write")), None
    )
    for person in leaders + cadres:
        if not person.phone and admin is not None:
            staff_contact_set(by=admin, user=person, phone=_fictional_phone(rng))
    slots = []  # (weekday, duty_role, person), added through the rotation service
    for weekday in range(7):
        leader = leaders[weekday % len(leaders)]
        slots.append((weekday, DutyRole.LEADER, leader))
        for k in range(min(2, len(cadres))):
            cadre = cadres[(weekday * 2 + k) % len(cadres)]
            if any(p == cadre and d == weekday for d, _r, p in slots):
                continue
            slots.append((weekday, DutyRole.CADRE, cadre))
    for weekday, duty_role, person in slots:
        rotation_slot_add(
            by=leaders[0], school=school, weekday=weekday, duty_role=duty_role, person=person
        )
    return True


INCIDENTS = [
    # (minutes since discovery, category, place, first facts, reports made, public-opinion note)
    (
        50,
        "running_away",
        "学校东门",
        "晚自习点名时发现一名学生未到，班主任电话联系家长，家长称学生未回家。学校已组织人员在校园及周边寻找，并查看校门监控。",
        [],
        "",
    ),
    (
        180,
        "harm_to_others",
        "教学楼三楼走廊",
        "课间两名学生发生肢体冲突，一名学生面部擦伤，已由校医处理并通知双方家长到校。",
        [("phone", 18, 18, "分管副校长", "市局安全科值班员")],
        "家长群内有零星讨论，班主任已在群内说明情况，提醒家长不传播未经核实的信息。",
    ),
    (
        70,
        "accident",
        "操场",
        "体育课跑步时一名学生摔倒，左手腕肿痛，已送医院检查，家长已到医院陪同。",
        [("phone", 20, 68, "体育组长", "市局安全科值班员")],
        "",
    ),
    (
        3 * 24 * 60,
        "self_harm",
        "学生宿舍",
        "宿管老师查寝时发现一名学生手臂有新鲜划痕，情绪低落。已陪同至心理辅导室，由心理健康教育教师进行危机评估，并通知家长。",
        [
            ("phone", 15, 15, "校长", "市局心理健康教育中心值班员"),
            ("written", 95, 95, "", ""),
            ("follow_up", 26 * 60, 26 * 60, "", ""),
            ("follow_up", 50 * 60, 50 * 60, "", ""),
            ("final", 70 * 60, 70 * 60, "", ""),
        ],
        "事件未在网络传播。学校确定一名副校长统一对外答复，班主任与家长保持单线沟通，保护学生隐私。",
    ),
]

ENTRY_TEXTS = {
    "phone": "电话报告首报情况：时间、地点、涉及学生人数、目前处置情况。",
    "written": "书面报告已通过邮箱报送市局，附事件经过、处置措施和下一步安排。",
    "follow_up": "续报：学生情绪趋于平稳，家长同意带学生到市心理咨询中心复诊，班主任每日跟进。",
    "final": "终结报告：经评估风险已解除，学生正常到校，学校建立跟踪档案，每周由心理健康教育教师约谈一次。",
}


def _incidents(*, schools, now, out) -> None:
    if IncidentReport.objects.exists():
        out("  事件报告已存在，跳过。")
        return
    for n, (minutes, category, place, facts, reports, opinion) in enumerate(INCIDENTS):
        school = schools[n % len(schools)]
        members = Membership.objects.active().filter(school=school).select_related("user")
        reporter = next(
            (m.user for m in members if m.role == Role.CLASS_TEACHER),
            next((m.user for m in members if m.role in LEADER_ROLES), None),
        )
        handler = next((m.user for m in members if m.role in LEADER_ROLES), reporter)
        if reporter is None:
            continue
        discovered = now - datetime.timedelta(minutes=minutes)
        # A student followed by the psychology teacher first (the incident then shows in
        # that student's archive), else the first of the school.
        followed = Student.objects.filter(
            school=school, screening_warnings__isnull=False
        ).distinct()
        students = list(followed.order_by("student_number")[:1]) or list(
            Student.objects.filter(school=school).order_by("student_number")[: 1 + n % 2]
        )
        # Filed and reported through the services, each at the time it was done then, so
        # the clocks and the timeline are what a user's actions would have made.
        incident = incident_create(
            user=reporter,
            school=school,
            category=category,
            occurred_at=discovered - datetime.timedelta(minutes=10),
            discovered_at=discovered,
            place=place,
            first_facts=facts,
            student_numbers=[s.student_number for s in students],
            public_opinion_note=opinion,
            # The record the source asks for: the duty leader at the scene, parents called,
            # and, for a missing student, the police's guidance.
            leader_arrived_at=discovered + datetime.timedelta(minutes=3),
            parents_contacted_at=discovered + datetime.timedelta(minutes=5),
            police_involved=category == "running_away",
            police_guidance="派出所民警到校了解情况，指导学校调取校门监控并保持与家长联系。"
            if category == "running_away"
            else "",
            now=discovered + datetime.timedelta(minutes=5),
        )
        for kind, stated, entered, caller, callee in reports:
            incident_entry_add(
                incident=incident,
                user=handler,
                kind=kind,
                happened_at=discovered + datetime.timedelta(minutes=stated),
                content=ENTRY_TEXTS[kind],
                caller=caller,
                callee=callee,
                now=discovered + datetime.timedelta(minutes=entered),
            )
    out(f"  事件报告：{IncidentReport.objects.count()} 起")


# Checklists: (item, problem or "" when it passed). The first check's problem is left past
# its deadline (an overdue fix in 待办 — the demo school's, first — and on the bureau's
# list); the third's was fixed in time.
CHECKS = [
    [("校门安保与来访登记", ""), ("楼道护栏与窗户限位", "三楼东侧两扇窗户限位器损坏")],
    [("心理辅导室设施与台账", ""), ("危机干预预案", ""), ("宿舍消防器材", "")],
    [("食堂食品留样", ""), ("实验室危化品管理", "危化品领用登记缺少两次签字")],
]


def _safety_checks(*, schools, today, out) -> None:
    if SafetyCheck.objects.exists():
        return
    keepers = access.roles_holding("duty.safety.write")
    for n, school in enumerate(schools[:6]):
        recorder = (
            Membership.objects.active()
            .filter(school=school, role__in=keepers)
            .select_related("user")
            .order_by("role", "pk")
            .first()
        )
        if recorder is None:
            continue
        lines = CHECKS[n % len(CHECKS)]
        day = today - datetime.timedelta(days=12 + 9 * n)
        check = safety_check_add(
            by=recorder.user,
            school=school,
            date=day,
            inspector="市教育局安全检查组" if n % 2 else "学校安全工作领导小组",
            items=[
                {
                    "item": item,
                    "ok": not problem,
                    "problem": problem,
                    "fix_deadline": day + datetime.timedelta(days=7) if problem else None,
                }
                for item, problem in lines
            ],
        )
        if n % len(CHECKS) == 2:  # this one was fixed in time
            for item in check.items.filter(ok=False):
                safety_item_fix(
                    by=recorder.user, item=item, fixed_on=day + datetime.timedelta(days=5)
                )
    overdue = SafetyCheckItem.objects.filter(
        ok=False, fixed_on__isnull=True, fix_deadline__lt=today
    ).count()
    out(f"  安全检查：{SafetyCheck.objects.count()} 条（整改逾期 {overdue} 项）")


DEMO_CONTACTS = ["school_admin", "school_leader", "psych_teacher", "class_teacher"]


def _contacts(*, rng, out) -> None:
    """Some staff records carry an e-mail address (notifications are mailed there) and a
    mobile: the demo accounts of the demo school, set through the staff-record service."""
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_CONTACTS)}
    admin = users.get("school_admin")
    if admin is None:
        return
    for username in DEMO_CONTACTS:
        user = users.get(username)
        if user is None or user.email:
            continue
        staff_contact_set(
            by=admin,
            user=user,
            email=f"{username}@linlan-demo.example",
            phone=None if user.phone else _fictional_phone(rng),
        )
    out(f"  教职工联系方式：{len(users)} 名演示账户已登记邮箱和手机")


def load(*, out, rng):
    now = timezone.now()
    today = timezone.localdate()
    schools = list(School.objects.order_by("code"))
    if not schools:
        out("  没有学校，跳过值班与事件演示数据。")
        return
    # The fixed demo accounts' school first, so the demo logins see an incident of their own.
    schools.sort(key=lambda s: s.code != "X0101")
    ready = [s for s in schools if _rotation(school=s, rng=rng, out=out)]
    for i, school in enumerate(ready, start=1):
        try:
            roster_generate_month(school=school, year=today.year, month=today.month)
        except ValidationError:
            # Staff who joined this month: fill the rest of the month from today.
            roster_generate_month(school=school, year=today.year, month=today.month, from_day=today)
        out.every("本月值班表", i, len(ready), every=5)
    _contacts(rng=rng, out=out)
    _incidents(schools=ready or schools, now=now, out=out)
    _safety_checks(schools=schools, today=today, out=out)
