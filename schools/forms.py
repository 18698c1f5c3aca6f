"""Back-office forms for the schools viewsets. Choices are limited by the scoping selectors."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import phone_validator

from . import access, selectors
from .models import Facility, Membership, School, SchoolClass, Student
from .services import staff_role_check
from .viewsets import ScopedModelForm
from .vocab import BUREAU_ROLES, Role


class SchoolForm(ScopedModelForm):
    """School admins may correct their school's contact details, not its identity."""

    BUREAU_ONLY = ("name", "code", "kind", "is_public")

    class Meta:
        model = School
        fields = [
            "name",
            "code",
            "kind",
            "is_public",
            "township",
            "address",
            "counselling_hotline",
            "counselling_mailbox",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is not None and not access.can(user=user, cap="schools.school.add"):
            for name in self.BUREAU_ONLY:
                self.fields[name].disabled = True
                self.fields[name].help_text = "由市局维护。"


class FacilityForm(ScopedModelForm):
    class Meta:
        model = Facility
        fields = ["school", "kind", "status", "location", "area_m2", "opening_hours", "note"]


class SchoolClassForm(ScopedModelForm):
    scope_fields = {"head_teacher": selectors.head_teacher_candidates}

    class Meta:
        model = SchoolClass
        fields = ["school", "grade", "name", "head_teacher"]

    def clean(self):
        data = super().clean()
        school, head = data.get("school"), data.get("head_teacher")
        if school and head:
            if not selectors.staff_users_at(schools=[school]).filter(pk=head.pk).exists():
                self.add_error("head_teacher", "班主任必须是该校在岗的教职工。")
        return data


class StudentForm(ScopedModelForm):
    """The school follows from the class; the student number is unique within it."""

    class Meta:
        model = Student
        fields = [
            "school_class",
            "student_number",
            "name",
            "gender",
            "birth_date",
            "guardian_name",
            "guardian_phone",
            "is_active",
            "left_on",
        ]

    def clean(self):
        data = super().clean()
        # A student who leaves is archived: the leaving date starts the retention period.
        if data.get("is_active", True):
            data["left_on"] = None
        elif not data.get("left_on"):
            data["left_on"] = timezone.localdate()
        elif data["left_on"] > timezone.localdate():
            self.add_error("left_on", "离校日期不能晚于今天。")
        school_class = data.get("school_class")
        number = (data.get("student_number") or "").strip()
        if school_class:
            self.instance.school = school_class.school
            if number:
                clash = Student.objects.filter(school=school_class.school, student_number=number)
                if self.instance.pk:
                    clash = clash.exclude(pk=self.instance.pk)
                if clash.exists():
                    self.add_error("student_number", "本校已有相同学号的学生。")
        return data


def _role_choices(user):
    if user is not None and access.can(user=user, cap="schools.staff.bureau_roles"):
        return Role.choices
    return [(value, label) for value, label in Role.choices if value not in BUREAU_ROLES]


class StaffCreateForm(ScopedModelForm):
    """Add a staff member by username; the user account is created when it is new."""

    username = forms.CharField(
        label="用户名", max_length=150, help_text="登录用的用户名；已有账号时直接关联。"
    )
    real_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        required=False,
        validators=[phone_validator],
        help_text="值班电话、事件提醒都用这个号码。",
    )
    email = forms.EmailField(
        label="电子邮箱", required=False, help_text="站内消息同时发送到这个邮箱。"
    )

    class Meta:
        model = Membership
        fields = ["school", "role", "grade", "psych_employment", "active_from", "active_to"]

    field_order = [
        "username",
        "real_name",
        "phone",
        "email",
        "school",
        "role",
        "grade",
        "psych_employment",
        "active_from",
        "active_to",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "---------"), *_role_choices(self.for_user)]
        managed = self.fields["school"].queryset
        city_wide = self.for_user is not None and access.bureau_covers(
            user=self.for_user, cap="schools.records.write"
        )
        if self.for_user is not None and not city_wide:
            self.fields["school"].required = True
            if managed.count() == 1:
                self.fields["school"].initial = managed.first().pk

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role and "school" not in self.errors:
            try:
                staff_role_check(by=self.for_user, school=data.get("school"), role=role)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field, messages)
        return data


class StaffEditForm(ScopedModelForm):
    """Change a staff member's role and dates; the person and the school stay fixed."""

    class Meta:
        model = Membership
        fields = ["role", "grade", "psych_employment", "active_from", "active_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(self.for_user)

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role:
            try:
                staff_role_check(by=self.for_user, school=self.instance.school, role=role)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data
