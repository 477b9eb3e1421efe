"""Admin sites whose users see only the rows of the organisations they belong to.

The mechanism is generic: a `ScopedAdminSite` answers which organisation ids a request may
see (None = everything, for operators), and a `ScopedModelAdmin` filters by its
`scope_field`. vendors builds the partner admin on it; later apps register their models
on that site with a ScopedModelAdmin subclass and inherit the scoping.
"""
from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError
from .money import won

# How many list columns a phone shows when an admin names none (the link column and the next two).
PHONE_COLUMNS_DEFAULT = 3
# An inline's rows on a scoped site: a table on wide screens, one card of labelled fields per row on a phone.
PHONE_TABULAR_TEMPLATE = "admin/partner/edit_inline/tabular.html"


def image_formfield_for_phone(db_field, formfield):
    """Let an image input open the phone's camera or photo library (the upload is still checked by content)."""
    if isinstance(db_field, models.ImageField) and formfield is not None:
        formfield.widget.attrs.setdefault("accept", "image/*")
    return formfield


class ScopedAdminSite(admin.AdminSite):
    # Its pages load the phone stylesheet (static/css/partner-mobile.css): members run their shop from a phone.
    phone_first = True
    # A plain "-" (Django's is a lazy one, translated again for every cell of a list: ~400 a page).
    empty_value_display = "-"

    def scope_ids(self, request) -> frozenset | None:
        """Organisation ids the user may see, or None for every row."""
        raise NotImplementedError

    def write_scope_ids(self, request) -> frozenset | None:
        """Organisation ids the user may change rows of (by default every one they see)."""
        return self.scope_ids(request)

    def each_context(self, request):
        return {**super().each_context(request), "phone_first": self.phone_first}

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_staff or bool(self.scope_ids(request))


class ScopedModelAdmin(admin.ModelAdmin):
    # The lookup from this model to the scoping organisation's id: "vendor" on a product,
    # "pk" on the organisation itself.
    scope_field = "vendor"
    # Rows members may still act on where their organisation is only readable to them (a
    # terminated vendor finishes its orders); everything else there is read-only.
    open_to_read_only_scope = False
    # The list columns a phone shows on a scoped site (the others are one tap away: the row's page, or
    # "모든 열 보기"); None: the first PHONE_COLUMNS_DEFAULT columns.
    phone_list_display: tuple | None = None

    def phone_hidden_columns(self, list_display) -> list[int]:
        """The 1-based positions in the change list's columns that a phone hides at first."""
        if not isinstance(self.admin_site, ScopedAdminSite):
            return []
        columns = [c for c in list_display if c != "action_checkbox"]
        shown = set(self.phone_list_display) if self.phone_list_display is not None else set(
            columns[:PHONE_COLUMNS_DEFAULT])
        shown.update(columns[:1])  # the column that links to the row's page stays
        return [i for i, name in enumerate(list_display, start=1)
                if name != "action_checkbox" and name not in shown]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return image_formfield_for_phone(db_field, super().formfield_for_dbfield(db_field, request, **kwargs))

    def scope_ids(self, request):
        site = self.admin_site
        if not isinstance(site, ScopedAdminSite):
            return None  # the operators' site: everything
        if not hasattr(request, "_scope_ids_cache"):
            request._scope_ids_cache = site.scope_ids(request)
        return request._scope_ids_cache

    def write_scope_ids(self, request):
        site = self.admin_site
        if not isinstance(site, ScopedAdminSite):
            return None
        if self.open_to_read_only_scope:
            return self.scope_ids(request)
        if not hasattr(request, "_write_scope_ids_cache"):
            request._write_scope_ids_cache = site.write_scope_ids(request)
        return request._write_scope_ids_cache

    def scope_filter(self, queryset, ids):
        lookup = "pk__in" if self.scope_field == "pk" else f"{self.scope_field}__in"
        return queryset.filter(**{lookup: ids})

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = self.scope_ids(request)
        return qs if ids is None else self.scope_filter(qs, ids)

    def get_object(self, request, object_id, from_field=None):
        # Another organisation's row is simply not there: 404, not the admin's redirect.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def _in_scope(self, request, obj=None, *, write=False) -> bool:
        ids = self.write_scope_ids(request) if write else self.scope_ids(request)
        if ids is None:
            return True
        if not ids:
            return False
        if obj is None:
            return True
        return self.scope_filter(type(obj)._default_manager.filter(pk=obj.pk), ids).exists()

    def _operator_site(self, request):
        return not isinstance(self.admin_site, ScopedAdminSite)

    def has_module_permission(self, request):
        if self._operator_site(request):
            return super().has_module_permission(request)
        return self._in_scope(request)

    def has_view_permission(self, request, obj=None):
        if self._operator_site(request):
            return super().has_view_permission(request, obj)
        return self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        if self._operator_site(request):
            return super().has_change_permission(request, obj)
        return self._in_scope(request, obj, write=True)

    def has_add_permission(self, request):
        if self._operator_site(request):
            return super().has_add_permission(request)
        return self._in_scope(request, write=True)

    def has_delete_permission(self, request, obj=None):
        if self._operator_site(request):
            return super().has_delete_permission(request, obj)
        return self._in_scope(request, obj, write=True)

    def _limit_related(self, db_field, request, kwargs):
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if isinstance(related_admin, ScopedModelAdmin) and "queryset" not in kwargs:
            queryset = related_admin.get_queryset(request)
            write_ids = self.write_scope_ids(request)
            if write_ids is not None and related_admin.scope_field == "pk":
                # A row is saved only under an organisation its member may change rows of.
                queryset = related_admin.scope_filter(queryset, write_ids)
            kwargs["queryset"] = queryset
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self._limit_related(db_field, request, kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self._limit_related(db_field, request, kwargs))


class PhoneTabularMixin:
    """A tabular inline that turns into labelled cards on a phone, on a scoped site."""

    @property
    def template(self):
        if isinstance(self.admin_site, ScopedAdminSite):
            return PHONE_TABULAR_TEMPLATE
        return "admin/edit_inline/tabular.html"


class ScopedInline(PhoneTabularMixin, admin.TabularInline):
    """An inline on a scoped admin: its rows belong to the parent, already in scope; they change
    only where the parent does."""

    def _operator_site(self):
        return not isinstance(self.admin_site, ScopedAdminSite)

    def _parent_writable(self, request, obj) -> bool:
        parent = self.admin_site._registry.get(self.parent_model)
        if isinstance(parent, ScopedModelAdmin):
            return parent._in_scope(request, obj, write=True)
        return True

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return image_formfield_for_phone(db_field, super().formfield_for_dbfield(db_field, request, **kwargs))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) if self._operator_site() else True

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) if self._operator_site() else self._parent_writable(request, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) if self._operator_site() else self._parent_writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) if self._operator_site() else self._parent_writable(request, obj)


def won_column(field: str, description):
    """An admin column (or read-only field) showing the integer won in `field` as 12,000원, sortable by it."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        return won(getattr(obj, field))

    return column


class ReadOnlyAdminMixin:
    """Records kept as they were: looked at, never added, changed or deleted in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryInline(ReadOnlyAdminMixin, PhoneTabularMixin, admin.TabularInline):
    """A status history (who, when, from → to, why), read-only on both kinds of site.

    Subclasses set `model` (and `fk_name`) and say how a transition reads; on a scoped site
    operators appear by their role, not by their account.
    """

    extra = 0
    can_delete = False
    fields = ("when", "transition", "who", "reason_text")
    readonly_fields = fields
    # The TextChoices naming the states, for event rows whose status fields carry no choices.
    status_choices = None

    @admin.display(description=_("시각"))
    def when(self, obj):
        return timezone.localtime(obj.created_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("상태 변경"))
    def transition(self, obj):
        return f"{self.status_label(obj, 'from_status')} → {self.status_label(obj, 'to_status')}"

    def status_label(self, obj, name: str) -> str:
        """The label of the row's from_status or to_status: "-" when empty, the value when unknown."""
        value = getattr(obj, name)
        if not value:
            return "-"
        if self.status_choices is not None:
            return self.status_choices(value).label if value in self.status_choices.values else value
        return getattr(obj, f"get_{name}_display")()

    @admin.display(description=_("사유"))
    def reason_text(self, obj):
        return obj.reason or "-"

    def actor_label(self, obj) -> str | None:
        """A role to show instead of the account (e.g. 구매자), or None."""
        return None

    @admin.display(description=_("처리한 사람"))
    def who(self, obj):
        if obj.actor is None:
            return "-"
        label = self.actor_label(obj)
        if label:
            return label
        if obj.actor.is_staff and isinstance(self.admin_site, ScopedAdminSite):
            return _("운영자")
        return obj.actor.name or obj.actor.email

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request, obj=None):
        if isinstance(self.admin_site, ScopedAdminSite):
            return True  # the parent row is already in scope
        return super().has_view_permission(request, obj)


# --- admin actions that ask for a reason first ---------------------------------------------------


class ReasonForm(forms.Form):
    """The reason an operator gives on an action's intermediate page (sent on to whoever it concerns)."""

    reason = forms.CharField(label=_("사유"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, label=None, help_text="", required=True, required_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        if label is not None:
            field.label = label
        field.help_text = help_text
        field.required = required
        field.error_messages["required"] = required_message or _("사유를 입력해 주세요.")


def reason_action_page(modeladmin, request, queryset, *, title, form, submit_label, intro="", flag="apply",
                       describe=str):
    """Django's intermediate-page pattern: the chosen rows, the reason form, and a button that posts
    the action again with `flag` set (the action applies it then)."""
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.template.response import TemplateResponse

    rows = list(queryset)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title, "intro": intro, "opts": modeladmin.model._meta, "form": form, "submit_label": submit_label,
        "rows": [(row.pk, describe(row)) for row in rows], "action": request.POST.get("action", ""),
        "checkbox_name": ACTION_CHECKBOX_NAME, "flag": flag,
    }
    return TemplateResponse(request, "admin/reason_action.html", context)


def step_submit(request, form, run, *, back: str, done):
    """Take a posted admin step (a vendor order's, a claim's, an exchange's) through its service.

    `run(data)` calls the service with the form's cleaned data (or {} for a step without a form);
    `done()` is the success message, asked for after it. Returns the redirect to `back` when the step
    was taken, or refused with no form to show the refusal on; None when the page is to be shown
    (a GET, an invalid form, or the service's refusal written on the form).
    """
    if request.method != "POST" or (form is not None and not form.is_valid()):
        return None
    try:
        run(form.cleaned_data if form is not None else {})
    except DomainError as exc:
        if form is not None:
            form.add_error(None, exc.message)
            return None
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, done())
    return redirect(back)
