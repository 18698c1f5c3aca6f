"""R-5 figures: whether a school has uploaded its own work plan and its systems.

Imported in ``ResourcesConfig.ready``. A school's document is a ``XinyuDocument`` with
``school`` set to it; what it is comes from its ``policy_kind``, which the school chooses
when uploading (required for a school's policy documents, see ``resources.forms``). The
kind lives on the document, not on ``PolicyPage``: schools upload files to their own
collection, while policy pages are the bureau's editorial publication of some of them.

A *work plan* (工作方案 / 工作计划) counts when uploaded within the period (a plan is made
each year); the *systems* (学生身心健康教育制度, 心理健康状况报告制度) count when uploaded on
or before the period's end (they stand until replaced).
"""

from django.db.models import Count

from oversight.figures import register_figure
from schools.calendar import Period

from .models import XinyuDocument
from .vocab import SYSTEM_KINDS, PolicyKind

SOURCE = "资源库（本校文件）"


def _ids(schools) -> list[int]:
    return [s.pk for s in schools]


def _school_documents(schools):
    return XinyuDocument.objects.filter(school_id__in=_ids(schools))


def _counts(qs, schools) -> dict[int, int]:
    found = dict(
        qs.values("school_id").annotate(n=Count("pk")).order_by().values_list("school_id", "n")
    )
    return {pk: found.get(pk, 0) for pk in _ids(schools)}


def work_plan_uploaded(*, schools, period: Period) -> dict[int, int]:
    qs = _school_documents(schools).filter(
        policy_kind=PolicyKind.WORK_PLAN, created_at__date__range=(period.start, period.end)
    )
    return _counts(qs, schools)


def systems_uploaded(*, schools, period: Period) -> dict[int, int]:
    qs = _school_documents(schools).filter(
        policy_kind__in=SYSTEM_KINDS, created_at__date__lte=period.end
    )
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
    label="本校学生身心健康教育制度、心理健康状况报告制度（已上传）",
    source_label=SOURCE,
    compute_many=systems_uploaded,
    unit="份",
    order=6,
)
