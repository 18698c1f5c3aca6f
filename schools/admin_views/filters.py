"""Listing filters of the schools back office whose choices never reach beyond the
user's scope."""

import django_filters
from wagtail.admin.filters import WagtailFilterSet

from .. import access, selectors
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


# The cap whose schools the class chooser offers: the schools of the classes the user reads.
CLASS_SCHOOLS_CAP = "schools.class.read"

# Choosing a school reloads the page (its classes are then offered); a plain change would only
# refresh the listing. Without script the filter still works, one field at a time.
_RELOAD_ON_CHANGE = (
    "event.stopPropagation();var d=new FormData(this.form);"
    "d.delete('school_class');d.delete('p');"
    "window.location.search=new URLSearchParams(d).toString();"
)


def grouped_school_choices(schools, *, empty_label="---------") -> list:
    """Choices of a school select grouped by township (``<optgroup>``): usable with a
    thousand schools."""
    return [("", empty_label)] + [
        (t.label, [(s.pk, s.name) for s in t.schools]) for t in selectors.townships_of(schools)
    ]


def _class_label(klass) -> str:
    return klass.name


class StudentFilterSet(WagtailFilterSet):
    """The student list's filters. A user whose classes lie in several schools (the bureau,
    someone at two schools) first chooses the school, grouped by township; the class select
    then offers that school's classes only. A class outside the user's classes — or outside
    the chosen school — is refused, never listed."""

    grade = django_filters.ChoiceFilter(
        field_name="school_class__grade", choices=Grade.choices, label="年级"
    )
    school = django_filters.ModelChoiceFilter(queryset=School.objects.none(), label="学校")
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
        self._choose_school(request)

    def _choose_school(self, request) -> None:
        user = getattr(request, "user", None)
        classes = _scoped_classes(request)
        self._school_choices = None
        # A user of one school (known from their memberships, no query) sees their classes.
        several = user is not None and (
            access.bureau_covers(user=user, cap=CLASS_SCHOOLS_CAP)
            or len(access.school_ids_for(user=user, cap=CLASS_SCHOOLS_CAP)) > 1
        )
        schools = (
            list(access.schools_for(user=user, cap=CLASS_SCHOOLS_CAP).order_by("code"))
            if several
            else []
        )
        if len(schools) < 2:
            del self.filters["school"]
            self.filters["school_class"].queryset = classes
            return
        self.filters["school"].queryset = access.schools_for(user=user, cap=CLASS_SCHOOLS_CAP)
        self._school_choices = grouped_school_choices(schools, empty_label="全部学校")
        data = self.data or {}
        chosen = str(data.get("school") or "")
        if not chosen.isdigit() or int(chosen) not in {s.pk for s in schools}:
            # A class named alone (an old link) brings its school along, if it is the user's.
            wanted = str(data.get("school_class") or "")
            found = classes.filter(pk=wanted).first() if wanted.isdigit() else None
            chosen = str(found.school_id) if found else ""
            if found is not None and hasattr(self.data, "_mutable"):
                self.data = self.data.copy()
                self.data["school"] = chosen
        self._chosen_school = int(chosen) if chosen else None
        self.filters["school_class"].queryset = (
            classes.filter(school_id=self._chosen_school)
            if self._chosen_school
            else SchoolClass.objects.none()
        )

    @property
    def form(self):
        first = not hasattr(self, "_form")
        form = super().form
        if first:
            self._shape_form(form)
        return form

    def _shape_form(self, form) -> None:
        klass = form.fields["school_class"]
        klass.label_from_instance = _class_label  # one school's classes: no school name
        klass.empty_label = "全部班级"
        if self._school_choices is None:
            return
        school = form.fields["school"]
        school.widget.choices = self._school_choices
        school.widget.attrs["onchange"] = _RELOAD_ON_CHANGE
        if not self._chosen_school:
            klass.empty_label = "先选择学校"
            klass.help_text = "先选择学校，再选择该校的班级。"
            if not (self.data or {}).get("school_class"):
                klass.disabled = True
                klass.widget.attrs["disabled"] = True

    def _as_is(self, queryset, name, value):
        return queryset
