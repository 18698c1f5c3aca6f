"""Reads for teacher training and the hours ledger.

Reports aggregate in the database (one SUM per teacher, grouped) and combine the few
grouped rows in Python, so their query count does not grow with teachers or schools.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from schools import access
from schools.calendar import SchoolYear
from schools.models import Membership
from schools.selectors import memberships_of, school_ids_with

from ..models import (
    ExternalTraining,
    HoursEntry,
    HoursTarget,
    QuizAttempt,
    SectionView,
    SessionRegistration,
    TrainingAudience,
    TrainingFormat,
    TrainingModulePage,
    TrainingSession,
)
from .blocks import MULTIPLE

ZERO = Decimal("0")
TENTH = Decimal("0.1")


def current_year() -> int:
    """The school year in force today, by its first calendar year (2026 = 2026—2027学年):
    hours targets are set per school year and hours are counted over the same school year."""
    return SchoolYear.containing(timezone.localdate()).first_year


# --- modules ----------------------------------------------------------------------------


def modules_filter(*, parent, params) -> dict:
    """Live modules under the training index, filtered by audience and format."""
    modules = TrainingModulePage.objects.child_of(parent).live().public().order_by("path")
    audience = params.get("audience", "")
    fmt = params.get("format", "")
    if audience in TrainingAudience.values:
        modules = modules.filter(audience=audience)
    else:
        audience = ""
    if fmt in TrainingFormat.values:
        modules = modules.filter(format=fmt)
    else:
        fmt = ""
    return {
        "modules": modules,
        "audience": audience,
        "format": fmt,
        "audience_choices": TrainingAudience.choices,
        "format_choices": TrainingFormat.choices,
    }


def module_sections(*, module) -> list:
    return list(module.sections)


def live_credit(*, teacher, module=None, session=None) -> HoursEntry | None:
    """The teacher's unreversed credit for this module (online) or session, if any."""
    qs = HoursEntry.objects.filter(teacher=teacher, reverses__isnull=True, reversal__isnull=True)
    if session is not None:
        qs = qs.filter(source=HoursEntry.Source.SESSION, session=session)
    else:
        qs = qs.filter(source=HoursEntry.Source.ONLINE, module=module)
    return qs.first()


@dataclass
class ModuleProgress:
    module: TrainingModulePage
    sections: list = field(default_factory=list)  # (block, opened)
    opened: int = 0
    attempts: list = field(default_factory=list)
    passed: bool = False
    credit: HoursEntry | None = None

    @property
    def total(self) -> int:
        return len(self.sections)

    @property
    def all_opened(self) -> bool:
        return self.opened == self.total

    @property
    def completed(self) -> bool:
        return self.credit is not None

    @property
    def percent(self) -> int:
        steps = self.total + 1
        done = self.opened + (1 if self.passed else 0)
        return round(100 * done / steps)


def module_progress(*, teacher, module) -> ModuleProgress:
    opened_ids = set(
        SectionView.objects.filter(teacher=teacher, module=module).values_list(
            "section_id", flat=True
        )
    )
    sections = [(block, block.id in opened_ids) for block in module.sections]
    attempts = list(QuizAttempt.objects.filter(teacher=teacher, module=module))
    return ModuleProgress(
        module=module,
        sections=sections,
        opened=sum(1 for _, seen in sections if seen),
        attempts=attempts,
        passed=any(a.passed for a in attempts),
        credit=live_credit(teacher=teacher, module=module),
    )


# --- the self-check quiz ---------------------------------------------------------------


@dataclass(frozen=True)
class QuizOption:
    position: int  # where this attempt shows it: the value the browser posts
    index: int  # its place in the question as edited: what answers and grading use
    text: str
    correct: bool


@dataclass(frozen=True)
class QuizItem:
    number: int
    id: str
    question: str
    multiple: bool
    options: tuple[QuizOption, ...]
    explanation: str

    @property
    def right(self) -> frozenset[int]:
        return frozenset(o.index for o in self.options if o.correct)


def quiz_paper(*, module, seed: int | None) -> list[QuizItem]:
    """The module's questions as one attempt shows them.

    Each question's options are shuffled by a generator seeded with the attempt's seed and
    the question's id, so the same seed always gives the same order (a re-render after an
    error, the result page) and another attempt gets another order. ``seed=None`` keeps
    the order the editor gave. Questions keep their order, so "第 3 题" means the same
    question on every attempt.
    """
    items = []
    for number, block in enumerate(module.quiz, start=1):
        choices = list(block.value["choices"])
        order = list(range(len(choices)))
        if seed is not None:
            random.Random(f"{seed}:{block.id}").shuffle(order)
        items.append(
            QuizItem(
                number=number,
                id=block.id,
                question=block.value["question"],
                multiple=block.value.get("kind") == MULTIPLE,
                options=tuple(
                    QuizOption(
                        position=position,
                        index=index,
                        text=choices[index]["text"],
                        correct=bool(choices[index]["correct"]),
                    )
                    for position, index in enumerate(order)
                ),
                explanation=block.value.get("explanation") or "",
            )
        )
    return items


def quiz_answers_from_shown(*, paper: list[QuizItem], posted: dict) -> dict[str, list[int]]:
    """Map the positions a browser posted (``{question id: ["0", "2"]}``) back to the
    options' own indexes through the attempt's order. Anything that is not a position this
    paper showed is dropped; the browser never names an option directly."""
    answers = {}
    for item in paper:
        by_position = {str(o.position): o.index for o in item.options}
        answers[item.id] = sorted(
            {by_position[v] for v in posted.get(item.id, ()) if v in by_position}
        )
    return answers


def quiz_fingerprint(*, module) -> str:
    """Changes when the questions or their options change (an attempt's order then lapses)."""
    shape = [(b.id, [c["text"] for c in b.value["choices"]]) for b in module.quiz]
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()[:16]


def quiz_passes(*, correct: int, total: int, pass_mark: int) -> bool:
    """Exact: the share answered right is at least the pass mark (no rounding up)."""
    return total > 0 and 100 * correct >= pass_mark * total


@dataclass(frozen=True)
class QuizReviewItem:
    item: QuizItem
    chosen: frozenset[int]

    @property
    def right(self) -> bool:
        return self.chosen == self.item.right


def quiz_review(*, attempt: QuizAttempt) -> list[QuizReviewItem]:
    """The attempt's questions in the order it showed them, with what the teacher chose.

    Only the questions the attempt answered (an edited quiz may have gained some since)."""
    paper = quiz_paper(module=attempt.module, seed=attempt.seed)
    answers = attempt.answers or {}
    return [
        QuizReviewItem(item=item, chosen=frozenset(int(i) for i in answers[item.id]))
        for item in paper
        if item.id in answers
    ]


# --- hours and targets ------------------------------------------------------------------


def year_range(year: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the school year ``year`` (its first calendar year)."""
    school_year = SchoolYear(year)
    return school_year.start, school_year.end


def targets_of_year(*, year: int) -> dict[str, Decimal]:
    """The targets of the school year ``year`` (``HoursTarget.year`` is its first year)."""
    return {t.role: t.hours for t in HoursTarget.objects.filter(year=year)}


def targets_for_period(*, first: datetime.date, last: datetime.date) -> dict[str, Decimal]:
    """Each role's target over [first, last]: the target of every school year the period
    touches, in proportion to the days of that year it covers. A whole school year gets its
    own target exactly; a term or a chosen period a share of it — hours and targets always
    over the same days. One query."""
    years = range(
        SchoolYear.containing(first).first_year, SchoolYear.containing(last).first_year + 1
    )
    by_year: dict[int, dict[str, Decimal]] = {}
    for t in HoursTarget.objects.filter(year__in=list(years)):
        by_year.setdefault(t.year, {})[t.role] = t.hours
    out: dict[str, Decimal] = {}
    for year in years:
        school_year = SchoolYear(year)
        start, end = max(first, school_year.start), min(last, school_year.end)
        days = (end - start).days + 1
        if days <= 0:
            continue
        share = Decimal(days) / Decimal((school_year.end - school_year.start).days + 1)
        for role, hours in by_year.get(year, {}).items():
            out[role] = out.get(role, ZERO) + hours * share
    return {role: hours.quantize(TENTH) for role, hours in out.items()}


def target_for_roles(*, roles, targets: dict[str, Decimal]) -> Decimal | None:
    """A teacher with several roles meets the highest of their roles' targets."""
    values = [targets[r] for r in roles if r in targets]
    return max(values) if values else None


def school_roles_of(*, user) -> set[str]:
    earners = access.roles_holding("courses.hours.earn")
    return {m.role for m in memberships_of(user=user) if m.role in earners}


def hours_of_teacher(*, teacher, year: int) -> Decimal:
    first, last = year_range(year)
    total = HoursEntry.objects.filter(teacher=teacher, credited_on__range=(first, last)).aggregate(
        total=Sum("hours")
    )["total"]
    return Decimal(total or 0).quantize(TENTH)


def percent_of(hours: Decimal, target: Decimal | None) -> int | None:
    if not target:
        return None
    return min(100, int(hours * 100 / target))


def teacher_overview(*, teacher, year: int | None = None) -> dict:
    """Everything the learner area shows: hours vs target, modules in progress and done."""
    year = year or current_year()
    hours = hours_of_teacher(teacher=teacher, year=year)
    target = target_for_roles(
        roles=school_roles_of(user=teacher), targets=targets_of_year(year=year)
    )
    credited_modules = HoursEntry.objects.filter(
        teacher=teacher,
        source=HoursEntry.Source.ONLINE,
        reverses__isnull=True,
        reversal__isnull=True,
    ).values("module_id")
    in_progress = (
        TrainingModulePage.objects.live()
        .filter(format=TrainingFormat.ONLINE)
        .filter(
            Q(pk__in=SectionView.objects.filter(teacher=teacher).values("module_id"))
            | Q(pk__in=QuizAttempt.objects.filter(teacher=teacher).values("module_id"))
        )
        .exclude(pk__in=credited_modules)
        .order_by("title")
    )
    credits = list(
        HoursEntry.objects.filter(teacher=teacher, reverses__isnull=True)
        .exclude(certificate_code=None)
        .annotate(reversed=Exists(HoursEntry.objects.filter(reverses=OuterRef("pk"))))
        .filter(reversed=False)
        .select_related("module", "session", "session__module")
        .order_by("-credited_on", "-pk")
    )
    return {
        "year": year,
        "year_label": SchoolYear(year).plain_label,
        "hours": hours,
        "target": target,
        "percent": percent_of(hours, target),
        "below_target": target is not None and hours < target,
        "in_progress": in_progress,
        "completed": credits,
    }


def history_for(*, teacher) -> QuerySet[HoursEntry]:
    return (
        HoursEntry.objects.filter(teacher=teacher)
        .select_related("module", "session", "session__module", "external", "reverses")
        .annotate(reversed=Exists(HoursEntry.objects.filter(reverses=OuterRef("pk"))))
        .order_by("-credited_on", "-pk")
    )


def certificate_lookup(*, code: str) -> HoursEntry | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    return (
        HoursEntry.objects.filter(certificate_code=code)
        .select_related("teacher", "school", "module", "session", "session__module", "external")
        .annotate(reversed=Exists(HoursEntry.objects.filter(reverses=OuterRef("pk"))))
        .first()
    )


def certificate_verify_url(*, code: str) -> str:
    """The absolute address anyone can open to check a certificate: the portal's public
    address (``XINYU_BASE_URL``, the one the default Site is set to) plus /verify/<code>/."""
    from django.conf import settings
    from django.urls import reverse

    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("training-verify", args=[code])


def certificate_qr_svg(*, url: str) -> str:
    """An inline SVG QR code for ``url`` (segno, pure Python; nothing fetched at run time)."""
    import segno

    return segno.make(url, error="m", micro=False).svg_inline(
        scale=4, border=2, omitsize=True, svgclass="certificate-qr-code", title=url
    )


@dataclass
class CertificateModule:
    title: str
    sections: list[str] = field(default_factory=list)
    provider: str = ""


@dataclass
class Certificate:
    """Everything a printed certificate and its public verify page show."""

    entry: HoursEntry
    portal_name: str
    bureau_name: str
    verify_url: str
    qr_svg: str
    modules: list[CertificateModule]

    @property
    def hours(self) -> Decimal:
        return self.entry.hours


def _certificate_modules(entry: HoursEntry) -> list[CertificateModule]:
    if entry.source == HoursEntry.Source.EXTERNAL and entry.external_id:
        ext = entry.external
        return [CertificateModule(title=ext.title, provider=ext.provider)]
    module = entry.session.module if entry.session_id else entry.module
    if module is None:
        return []
    title = entry.session.display_title if entry.session_id else module.title
    sections = [block.value.get("title", "") for block in module.sections]
    return [CertificateModule(title=title, sections=[s for s in sections if s])]


def certificate_view(*, entry: HoursEntry) -> Certificate:
    from wagtail.models import Site

    from portal.models import PortalSettings

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    portal = PortalSettings.for_site(site) if site else PortalSettings()
    url = certificate_verify_url(code=entry.certificate_code)
    return Certificate(
        entry=entry,
        portal_name=portal.portal_name,
        bureau_name=portal.bureau_name,
        verify_url=url,
        qr_svg=certificate_qr_svg(url=url),
        modules=_certificate_modules(entry),
    )


# --- sessions ----------------------------------------------------------------------------


def teacher_school_ids(*, user) -> set[int]:
    return school_ids_with(user=user)


def sessions_open_to(*, teacher) -> QuerySet[TrainingSession]:
    """Upcoming sessions the teacher may register for: city-wide or at their school."""
    return (
        TrainingSession.objects.filter(starts_at__gte=timezone.now())
        .filter(Q(school__isnull=True) | Q(school_id__in=teacher_school_ids(user=teacher)))
        .select_related("module", "school")
        .annotate(
            registered_count=Count("registrations", distinct=True),
            is_registered=Exists(
                SessionRegistration.objects.filter(session=OuterRef("pk"), teacher=teacher)
            ),
        )
        .order_by("starts_at")
    )


def registrations_of(*, teacher) -> QuerySet[SessionRegistration]:
    return (
        SessionRegistration.objects.filter(teacher=teacher)
        .select_related("session", "session__module", "session__school")
        .order_by("-session__starts_at")
    )


def sessions_for_user(*, user) -> QuerySet[TrainingSession]:
    """Sessions a back-office user may see: city-wide and those of schools they read."""
    qs = TrainingSession.objects.select_related("module", "school")
    q = access.reach_q(user=user, cap="courses.session.read")
    return qs if q is None else qs.filter(Q(school__isnull=True) | q)


def sessions_managed_by(*, user) -> QuerySet[TrainingSession]:
    """Sessions whose details the user may change: bureau admin all, a school admin their own."""
    qs = TrainingSession.objects.select_related("module", "school")
    return access.scoped(qs, user=user, cap="courses.session.write")


def sessions_for_attendance(*, user) -> QuerySet[TrainingSession]:
    """Sessions for which the user may record attendance of the staff they manage."""
    managed = access.schools_for(user=user, cap="courses.session.write")
    return (
        TrainingSession.objects.filter(Q(school__isnull=True) | Q(school__in=managed))
        .select_related("module", "school")
        .order_by("-starts_at")
    )


def attendance_staff(*, user, session) -> list[Membership]:
    """Staff whose attendance the user may record for this session (one row per teacher)."""
    schools = access.schools_for(user=user, cap="courses.session.write")
    if session.school_id:
        schools = schools.filter(pk=session.school_id)
    rows = (
        Membership.objects.active()
        .filter(school__in=schools)
        .filter(role__in=access.roles_holding("courses.hours.earn"))
        .select_related("user", "school")
        .order_by("school__code", "user__real_name", "user__username")
    )
    seen, staff = set(), []
    for m in rows:
        if m.user_id not in seen:
            seen.add(m.user_id)
            staff.append(m)
    return staff


def session_attendance_state(*, session, teacher_ids) -> dict:
    registered = set(
        SessionRegistration.objects.filter(session=session, teacher_id__in=teacher_ids).values_list(
            "teacher_id", flat=True
        )
    )
    credited = set(
        HoursEntry.objects.filter(
            session=session,
            source=HoursEntry.Source.SESSION,
            reverses__isnull=True,
            reversal__isnull=True,
            teacher_id__in=teacher_ids,
        ).values_list("teacher_id", flat=True)
    )
    return {"registered": registered, "credited": credited}


# --- external training ---------------------------------------------------------------------


def external_for_reviewer(*, user) -> QuerySet[ExternalTraining]:
    reviewed = access.schools_for(user=user, cap="courses.external.review")
    return ExternalTraining.objects.filter(school__in=reviewed).select_related(
        "teacher", "school", "decided_by"
    )


def external_of(*, teacher) -> QuerySet[ExternalTraining]:
    return ExternalTraining.objects.filter(teacher=teacher).select_related("school")
