"""Figures whose data the schools app holds (R-10, R-11). Imported in ``ready()``.

Figures of other apps (training hours, screening coverage, lessons, incidents, plans)
are registered by those apps' own modules with ``oversight.figures.register_figure``.
"""

from django.db.models import Count

from schools.calendar import Period
from schools.models import Facility, Membership
from schools.vocab import PSYCH_ROLES, PsychEmployment

from .figures import register_figure

SOURCE_STAFF = "教职工岗位"
SOURCE_FACILITIES = "场所与渠道"


def _ids(schools) -> list[int]:
    return [s.pk for s in schools]


def _counts(qs, schools, field="school_id", distinct="user") -> dict[int, int]:
    rows = qs.values(field).annotate(n=Count(distinct, distinct=True)).values_list(field, "n")
    found = dict(rows)
    return {pk: found.get(pk, 0) for pk in _ids(schools)}


def psych_teachers(*, schools, period: Period, employment: str) -> dict[int, int]:
    qs = Membership.objects.active(period.as_of).filter(
        school_id__in=_ids(schools), role__in=PSYCH_ROLES, psych_employment=employment
    )
    return _counts(qs, schools)


def psych_full_time(*, schools, period: Period) -> dict[int, int]:
    return psych_teachers(schools=schools, period=period, employment=PsychEmployment.FULL_TIME)


def psych_part_time(*, schools, period: Period) -> dict[int, int]:
    return psych_teachers(schools=schools, period=period, employment=PsychEmployment.PART_TIME)


def staff_count(*, schools, period: Period) -> dict[int, int]:
    """People with at least one active school role (a person with two roles counts once)."""
    qs = Membership.objects.active(period.as_of).filter(school_id__in=_ids(schools))
    return _counts(qs, schools)


def facilities_in_use(*, schools, period: Period) -> dict[int, int]:
    qs = Facility.objects.filter(school_id__in=_ids(schools), status=Facility.Status.IN_USE)
    return _counts(qs, schools, distinct="kind")


def facility_status(kind: str):
    """A provider giving the status code of one kind of facility, or None when none."""

    def compute_many(*, schools, period: Period) -> dict[int, str | None]:
        found = dict(
            Facility.objects.filter(school_id__in=_ids(schools), kind=kind).values_list(
                "school_id", "status"
            )
        )
        return {pk: found.get(pk) for pk in _ids(schools)}

    return compute_many


def facility_display(value) -> str:
    if value is None:
        return "未登记"
    return Facility.Status(value).label if value in Facility.Status.values else str(value)


register_figure(
    "psych_full_time",
    label="专职心理健康教育教师",
    source_label=SOURCE_STAFF,
    compute_many=psych_full_time,
    unit="人",
    order=10,
)
register_figure(
    "psych_part_time",
    label="兼职心理健康教育教师",
    source_label=SOURCE_STAFF,
    compute_many=psych_part_time,
    unit="人",
    order=11,
)
register_figure(
    "staff_count",
    label="在岗教职工",
    source_label=SOURCE_STAFF,
    compute_many=staff_count,
    unit="人",
    order=12,
)
register_figure(
    "facilities_in_use",
    label="已建成使用的场所与渠道",
    source_label=SOURCE_FACILITIES,
    compute_many=facilities_in_use,
    unit="项",
    order=20,
)
for _order, (_kind, _label) in enumerate(Facility.Kind.choices, start=21):
    register_figure(
        f"facility_{_kind}",
        label=_label,
        source_label=SOURCE_FACILITIES,
        compute_many=facility_status(_kind),
        order=_order,
        display=facility_display,
    )
