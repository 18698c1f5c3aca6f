"""Back-office building blocks that apply the scoping selectors to Wagtail's admin.

Every app's ``ModelViewSet`` for school-owned data uses ``ScopedPermissionPolicy`` (registered
with ``register_permission_policy``) and ``ScopedModelViewSet``. A user without the action at
all gets a 403 page (not Wagtail's redirect to the dashboard); objects outside the user's
scope are a 404 (never a 403 that would confirm they exist). Each denial is logged.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.shortcuts import redirect
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from portal import idempotency

from .audit import access_log_record
from .backoffice import forbidden_response
from .selectors import user_memo

READ_ACTIONS = {"view", "inspect", "export"}


class ScopedPermissionPolicy(BasePermissionPolicy):
    """A permission policy whose answers come from the scoping selectors.

    ``read(user=…)`` and ``write(user=…)`` return querysets of the instances the user may
    read and change; ``may_read(user=…)``/``may_write(user=…)``/``may_add(user=…)`` answer
    whether the user has the action at all (which also decides whether menus show).
    """

    def __init__(self, model, *, read, write, may_read, may_write, may_add=None, may_delete=None):
        super().__init__(model)
        self.read = read
        self.write = write
        self.may_read = may_read
        self.may_write = may_write
        self.may_add = may_add or may_write
        self.may_delete = may_delete or may_write

    def _active(self, user):
        return user.is_active and user.is_authenticated

    def user_has_permission(self, user, action):
        if not self._active(user):
            return False
        # Superusers answer as the bureau admin they stand for (``schools.access``).
        if action in READ_ACTIONS:
            return bool(self.may_read(user=user))
        if action == "add":
            return bool(self.may_add(user=user))
        if action == "delete":
            return bool(self.may_delete(user=user))
        return bool(self.may_write(user=user))

    def instances_user_has_permission_for(self, user, action):
        if not self.user_has_permission(user, action):
            return self.model._default_manager.none()
        if action in READ_ACTIONS:
            return self.read(user=user)
        return self.write(user=user)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.instances_user_has_permission_for(user, action).filter(pk=instance.pk).exists()

    def users_with_any_permission(self, actions):
        # Scoped by memberships, not by Django permissions: no global list of users.
        return get_user_model().objects.filter(is_superuser=True, is_active=True)


def _school_of(obj):
    school = getattr(obj, "school", None)
    return school if getattr(school, "pk", None) else None


class LogDeniedMixin:
    """A user without the view's action at all: a logged 403 page."""

    lacks_action = False

    def dispatch(self, request, *args, **kwargs):
        if not self.lacks_action:
            try:
                return super().dispatch(request, *args, **kwargs)
            except PermissionDenied:
                pass
        obj = getattr(self, "object", None)
        name = type(self).__name__.removeprefix("Scoped").removesuffix("View").lower()
        return forbidden_response(
            request,
            action=f"{name}-denied",
            object_type=self.model._meta.label_lower,
            object_id=getattr(obj, "pk", "") or self.kwargs.get("pk", ""),
        )


class ScopedObjectMixin(LogDeniedMixin):
    """Fetch the view's object through the policy's scope; outside it → logged 404.

    With ``log_access`` set (the viewset sets it for sensitive records such as students),
    every successful fetch of a single record also writes an allowed access-log line.
    """

    scope_action = "view"
    log_access = False

    def setup(self, request, *args, **kwargs):
        # Wagtail fetches the object in setup(), before its permission check: someone without
        # the action at all is answered (403) before any record is looked up.
        if not self.permission_policy.user_has_permission(request.user, self.scope_action):
            self.request, self.args, self.kwargs = request, args, kwargs
            self.lacks_action = True
            return
        super().setup(request, *args, **kwargs)

    def scoped_queryset(self):
        return self.permission_policy.instances_user_has_permission_for(
            self.request.user, self.scope_action
        )

    def get_scoped_object(self, pk):
        try:
            obj = self.scoped_queryset().get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError, ValidationError):
            access_log_record(
                request=self.request,
                action=f"{self.scope_action}-denied",
                object_type=self.model._meta.label_lower,
                object_id=str(pk)[:50],
                allowed=False,
            )
            raise Http404 from None
        if self.log_access:
            access_log_record(
                request=self.request,
                action=self.scope_action,
                object_type=self.model._meta.label_lower,
                object_id=obj.pk,
                school=_school_of(obj),
                allowed=True,
            )
        return obj


def _export_value(item, field):
    """A listed record's value for an export column: choices by their label, related records
    by their name; ``portal.spreadsheets`` makes every text cell safe."""
    from django.core.exceptions import FieldDoesNotExist
    from wagtail.coreutils import multigetattr

    try:
        model_field = item._meta.get_field(field)
    except FieldDoesNotExist:
        model_field = None
    if model_field is not None and model_field.choices:
        return getattr(item, f"get_{field}_display")()
    try:
        value = multigetattr(item, field)
    except AttributeError:  # through an empty relation (a line without a user)
        return ""
    if hasattr(value, "_meta"):
        return str(value)
    return value


class ScopedIndexView(LogDeniedMixin, generic.IndexView):
    """A scoped listing. With ``log_access`` (records of minors, the access log itself) every
    listing and every export writes one access-log line naming how many records it showed.

    ``?export=xlsx|csv`` exports the columns ``list_export`` names through the portal's one
    safe spreadsheet writer, for users for whom ``export_predicate(user=…)`` holds (everyone
    who may list, when unset); without ``list_export`` there is no export at all.
    """

    log_access = False
    export_predicate = None
    #: A ``portal.exports`` kind: ``?export=`` opens its start form (the export is built in
    #: the background) with the listing's filters, instead of building it in the request.
    export_kind = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not self.list_export:
            self.is_export = False  # no export declared: ``?export=`` is an ordinary listing

    def user_may_export(self) -> bool:
        # Given by the viewset (an instance attribute, so a plain function).
        predicate = self.__dict__.get("export_predicate")
        return predicate is None or bool(predicate(user=self.request.user))

    @property
    def show_export_buttons(self):
        return bool(self.list_export) and self.user_may_export()

    def dispatch(self, request, *args, **kwargs):
        if (
            self.is_export
            and self.permission_policy.user_has_permission(request.user, "view")
            and not self.user_may_export()
        ):
            return forbidden_response(
                request, action="export-denied", object_type=self.model._meta.label_lower
            )
        if self.is_export and self.export_kind and self.user_may_export():
            return self.export_job_redirect(request)
        return super().dispatch(request, *args, **kwargs)

    def export_job_redirect(self, request):
        from django.shortcuts import redirect

        from portal.exports.views import start_url

        query = request.GET.copy()
        query["format"] = query.pop("export")[-1]
        for suffix, name in (("from", "start"), ("to", "end")):
            for key in [k for k in query if k.endswith(f"_{suffix}")]:
                query[name] = query.pop(key)[-1]
        query.pop("p", None)
        return redirect(start_url(self.export_kind, query.urlencode()))

    def get_base_queryset(self):
        return self.permission_policy.instances_user_has_permission_for(self.request.user, "view")

    def access_log_school(self):
        """The school a listing line names, when the listing reaches one school only."""
        return None

    def render_to_response(self, context, **response_kwargs):
        if self.log_access:
            rows = context["object_list"]
            access_log_record(
                request=self.request,
                action="export" if self.is_export else "list",
                object_type=self.model._meta.label_lower,
                object_id=self.request.GET.get("export", "") if self.is_export else "",
                school=self.access_log_school(),
                count=rows.count() if hasattr(rows, "count") and self.is_export else len(rows),
            )
        return super().render_to_response(context, **response_kwargs)

    def get_filename(self):
        from django.utils import timezone

        return f"{self.export_filename}-{timezone.localdate():%Y%m%d}"

    def as_spreadsheet(self, queryset, spreadsheet_format):
        """The export, written by ``portal.spreadsheets`` (never Wagtail's own writer)."""
        from portal import spreadsheets

        headers = [self.get_heading(queryset, field) for field in self.list_export]
        rows = (
            [_export_value(item, field) for field in self.list_export]
            for item in queryset.iterator(chunk_size=2000)
        )
        filename = f"{self.get_filename()}.{spreadsheet_format}"
        if spreadsheet_format == self.FORMAT_CSV:
            return spreadsheets.csv_response(headers, rows, filename=filename, stream=True)
        sheet = spreadsheets.Sheet(
            title=str(self.model._meta.verbose_name_plural),
            headers=headers,
            rows=rows,
            freeze="A2",
            autofilter=True,
        )
        return spreadsheets.xlsx_response(spreadsheets.xlsx_build(sheet), filename=filename)


class ScopedCreateView(LogDeniedMixin, generic.CreateView):
    """Adds go through ``portal.idempotency``: the form carries a one-time key, and a second
    submit of the same page is sent to the first result instead of adding again."""

    log_access = False
    template_name = "schools/admin/create.html"

    @property
    def submit_form(self) -> str:
        return f"admin.{self.model._meta.label_lower}.add"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "submit_form": self.submit_form}

    def post(self, request, *args, **kwargs):
        if earlier := idempotency.submitted_before(request, form=self.submit_form):
            return idempotency.submitted_response(request, earlier)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        done = []
        add = super().form_valid

        def create():
            response = add(form)
            done.append(response)
            if response.status_code in (301, 302, 303):
                return response["Location"], ""  # Wagtail has said what was added
            return None

        try:
            outcome = idempotency.submit_once(self.request, form=self.submit_form, create=create)
        except idempotency.KeyExpired as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        if outcome is None or outcome.first:
            return done[0]
        return idempotency.submitted_response(self.request, outcome)


class ScopedEditView(ScopedObjectMixin, generic.EditView):
    scope_action = "change"

    def get_object(self, queryset=None):
        return self.get_scoped_object(self.object_pk)


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    scope_action = "delete"

    def form_valid(self, form):
        # Records that others still point at (a class with students, a school with
        # students) are protected: say so instead of failing with a server error.
        # (Wagtail's reference index may already know: then it would answer a bare 403.)
        if self.usage and self.usage.is_protected:
            return self._refuse_protected()
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            return self._refuse_protected()

    def _refuse_protected(self):
        messages.error(
            self.request,
            f"“{self.object}”仍有关联记录（例如班级里还有学生），不能删除。请先处理这些记录。",
        )
        return redirect(self.index_url_name)

    def get_object(self, queryset=None):
        if getattr(self, "object", None):
            return self.object
        return self.get_scoped_object(unquote(str(self.kwargs[self.pk_url_kwarg])))


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    scope_action = "view"

    def get_object(self, queryset=None):
        return self.get_scoped_object(unquote(str(self.pk)))


class ScopedHistoryView(ScopedObjectMixin, history.HistoryView):
    scope_action = "change"

    def get_object(self):
        return self.get_scoped_object(self.pk)


class ScopedUsageView(ScopedObjectMixin, usage.UsageView):
    scope_action = "view"

    def get_object(self):
        return self.get_scoped_object(self.pk)


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet whose every view goes through the registered scoped policy."""

    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    copy_view_enabled = False
    inspect_view_enabled = True
    #: Write an allowed access-log line for every view of a single record, every listing
    #: and every export.
    log_access = False
    #: Who may export the listing (``?export=xlsx|csv`` of ``list_export``); None: whoever
    #: may list it.
    export_predicate = None
    #: The ``portal.exports`` kind that builds the listing's export in the background.
    export_kind = ""

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(log_access=self.log_access, **kwargs)

    def get_index_view_kwargs(self, **kwargs):
        kwargs.setdefault("export_predicate", type(self).export_predicate)
        kwargs.setdefault("export_kind", self.export_kind)
        return super().get_index_view_kwargs(**kwargs)


class ScopedModelForm(WagtailAdminModelForm):
    """Limits school / class / student choices to what the user manages.

    Subclasses may set ``scope_fields`` to map field names to selector callables that take
    ``user=`` and return the allowed queryset.
    """

    scope_fields: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None:
            return
        for name, selector in self.get_scope_fields().items():
            if name in self.fields and hasattr(self.fields[name], "queryset"):
                self.fields[name].queryset = selector(user=user)

    def get_scope_fields(self):
        from . import selectors

        defaults = {
            "school": selectors.schools_managed_by,
            "school_class": selectors.classes_managed_by,
            "student": selectors.students_managed_by,
        }
        return {**defaults, **self.scope_fields}


class PredicateMenuItem(MenuItem):
    """A menu item shown when ``predicate(user=…)`` holds.

    Wagtail asks each item twice a request (once to decide whether its group shows, once to
    draw it); the answer is remembered for the request, shared by items with one predicate.
    """

    def __init__(self, *args, predicate, **kwargs):
        super().__init__(*args, **kwargs)
        self.predicate = predicate

    def is_shown(self, request):
        user = request.user
        return user_memo(
            user=user, key=("menu", self.predicate), compute=lambda: bool(self.predicate(user=user))
        )
