"""Listing filters of the schools back office whose choices never reach beyond the
user's scope."""

import django_filters
from wagtail.admin.filters import WagtailFilterSet

from .. import selectors
from ..models import Facility, Membership, School, SchoolClass, Student
from ..vocab import Grade, Role, SchoolKind


class TownshipFilterSet(WagtailFilterSet):
    township = django_filters.CharFilter(
        field_name="school__township", lookup_expr="icontains", label="乡镇（街道）"
    )


class SchoolFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(choices=SchoolKind.choices, label="学校类型")
    township = django_filters.CharFilter(lookup_expr="icontains", label="乡镇（街道）")

    class Meta:
        model = School
        fields = ["kind", "is_public"]


class FacilityFilterSet(TownshipFilterSet):
    class Meta:
        model = Facility
        fields = ["kind", "status"]


class SchoolClassFilterSet(TownshipFilterSet):
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label="年级")

    class Meta:
        model = SchoolClass
        fields = ["grade"]


class StaffFilterSet(TownshipFilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices, label="角色")

    class Meta:
        model = Membership
        fields = ["role", "psych_employment"]


def _scoped_classes(request):
    if request is None:
        return SchoolClass.objects.none()
    return selectors.classes_for(user=request.user)


class StudentFilterSet(WagtailFilterSet):
    grade = django_filters.ChoiceFilter(
        field_name="school_class__grade", choices=Grade.choices, label="年级"
    )
    school_class = django_filters.ModelChoiceFilter(queryset=_scoped_classes, label="班级")
    # Read by StudentIndexView.get_base_queryset (archived students are not listed).
    archived = django_filters.BooleanFilter(
        method="_as_is", label="已离校（归档）学生", help_text="仅学校管理员可查看。"
    )

    class Meta:
        model = Student
        fields = ["gender"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is None or not selectors.may_manage_students(user=request.user):
            del self.filters["archived"]

    def _as_is(self, queryset, name, value):
        return queryset
