"""R-5 figures: whether a school has uploaded its own work plan and its systems.

Imported in ``ResourcesConfig.ready``. The rule (there is no sub-type for school documents):
a school's document is a ``XinyuDocument`` with ``school`` set to it and resource type
“政策文件”; it is a *work plan* when its title contains “方案” or “计划”, and a *system*
when its title contains “制度”. Work plans count when uploaded within the period (a plan is
made each year); systems count when uploaded on or before the period's end (they stand).
"""

from django.db.models import Count, Q

from oversight.figures import Period, register_figure

from .models import XinyuDocument
from .vocab import ResourceType

SOURCE = "资源库（本校文件）"
WORK_PLAN_Q = Q(title__contains="方案") | Q(title__contains="计划")
SYSTEMS_Q = Q(title__contains="制度")


def _ids(schools) -> list[int]:
    return [s.pk for s in schools]


def _school_documents(schools):
    return XinyuDocument.objects.filter(
        school_id__in=_ids(schools), resource_type=ResourceType.POLICY
    )


def _counts(qs, schools) -> dict[int, int]:
    found = dict(
        qs.values("school_id").annotate(n=Count("pk")).order_by().values_list("school_id", "n")
    )
    return {pk: found.get(pk, 0) for pk in _ids(schools)}


def work_plan_uploaded(*, schools, period: Period) -> dict[int, int]:
    qs = _school_documents(schools).filter(
        WORK_PLAN_Q, created_at__date__range=(period.start, period.end)
    )
    return _counts(qs, schools)


def systems_uploaded(*, schools, period: Period) -> dict[int, int]:
    qs = _school_documents(schools).filter(SYSTEMS_Q, created_at__date__lte=period.end)
    return _counts(qs, schools)


register_figure(
    "work_plan_uploaded",
    label="本校心理健康教育工作方案（已上传）",
    source_label=SOURCE,
    compute_many=work_plan_uploaded,
    unit="份",
    order=5,
)
register_figure(
    "systems_uploaded",
    label="本校心理健康教育制度（已上传）",
    source_label=SOURCE,
    compute_many=systems_uploaded,
    unit="份",
    order=6,
)
