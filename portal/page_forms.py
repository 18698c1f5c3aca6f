"""The page editor's form: when saving fails, say in Chinese which tab and field to fix.

Wagtail marks the fields in red and counts errors on each tab, but its banner names
neither. This form adds one line to the banner — e.g. “请修改「内容」标签页中的“标题”；
「推广」标签页中的“别名”。” — and Wagtail then lists each field's error under it.
"""

from django.forms.forms import NON_FIELD_ERRORS
from wagtail.admin.forms import WagtailAdminPageForm


def _field_tabs(model) -> dict[str, str]:
    """Field (and inline formset) name -> the heading of the editor tab that shows it."""
    tabs: dict[str, str] = {}
    handler = model.get_edit_handler()
    for tab in getattr(handler, "children", []):
        options = tab.get_form_options()
        for name in [*options.get("fields", []), *options.get("formsets", {})]:
            tabs.setdefault(name, str(tab.heading))
    return tabs


def errors_summary(form) -> str:
    """One Chinese sentence naming the tabs and fields that have errors ("" if none)."""
    tabs = _field_tabs(form._meta.model)
    by_tab: dict[str, list[str]] = {}
    for name in form.errors:
        if name == NON_FIELD_ERRORS:
            continue
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else name
        by_tab.setdefault(tabs.get(name, "内容"), []).append(f"“{label}”")
    if not by_tab:
        return ""
    parts = [f"「{tab}」标签页中的{'、'.join(labels)}" for tab, labels in by_tab.items()]
    return "请修改" + "；".join(parts) + "。"


class XinyuPageForm(WagtailAdminPageForm):
    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not self._errors:
            return
        summary = errors_summary(self)
        if summary:
            self._errors.setdefault(NON_FIELD_ERRORS, self.error_class(error_class="nonfield"))
            self._errors[NON_FIELD_ERRORS].insert(0, summary)
