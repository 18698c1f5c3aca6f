"""A multi-select field over one of the shared vocabularies (stages, grades).

Stored as a comma-framed string such as ``",primary,junior,"`` so that "has stage X" is
one ``LIKE '%,primary,%'`` on SQLite and PostgreSQL alike (``stages__has="primary"``).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Lookup

from schools.vocab import Grade, Stage

VOCABULARIES = {"stage": Stage, "grade": Grade}


class VocabularySetField(models.CharField):
    description = "A set of values from a shared vocabulary"

    def __init__(self, *args, vocabulary="stage", **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    @property
    def enum(self):
        return VOCABULARIES[self.vocabulary]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["vocabulary"] = self.vocabulary
        return name, path, args, kwargs

    def _coerce(self, item):
        item = str(item).strip()
        if self.enum is Grade:
            return int(item)
        return item

    def to_python(self, value):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        values = []
        for item in value:
            coerced = self._coerce(item)
            if coerced not in values:
                values.append(coerced)
        order = [c for c in self.enum.values]
        return sorted(values, key=lambda v: order.index(v) if v in order else len(order))

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def get_prep_value(self, value):
        values = self.to_python(value)
        return f",{','.join(str(v) for v in values)}," if values else ""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        allowed = set(self.enum.values)
        bad = [v for v in self.to_python(value) if v not in allowed]
        if bad:
            raise ValidationError(f"“{self.verbose_name}”含有无效的取值：{bad}")
        if not value and not self.blank:
            raise ValidationError(f"请至少选择一项“{self.verbose_name}”。")

    def run_validators(self, value):
        # The CharField length validator measures the stored string, not the list.
        return None

    def formfield(self, **kwargs):
        coerce = int if self.enum is Grade else str
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.enum.choices,
            "coerce": coerce,
            "required": not self.blank,
            "widget": forms.CheckboxSelectMultiple,
            "label": self.verbose_name,
            "help_text": self.help_text,
        }
        defaults.update(kwargs)
        defaults.pop("max_length", None)
        defaults.pop("empty_value", None)
        return forms.TypedMultipleChoiceField(
            **{k: v for k, v in defaults.items() if k != "form_class"}
        )


@VocabularySetField.register_lookup
class HasValue(Lookup):
    """``stages__has="primary"``: the set contains this value."""

    lookup_name = "has"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        value = self.lhs.output_field._coerce(self.rhs)
        if value not in set(self.lhs.output_field.enum.values):
            raise ValueError(f"unknown vocabulary value {self.rhs!r}")
        return f"{lhs} LIKE %s", [*params, f"%,{value},%"]


def labels_of(values, enum) -> list[str]:
    names = dict(enum.choices)
    return [str(names.get(v, v)) for v in values]
