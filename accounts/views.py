import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from schools.audit import client_ip
from schools.selectors import memberships_of, user_has_back_office

from .forms import NewPasswordForm, PasswordResetRequestForm
from .selectors import notifications_of, notifications_unread_count
from .services import notification_mark_read


@login_required
def me(request):
    """The learner area's home: who I am, my roles; later issues add training and hours."""
    return render(
        request,
        "accounts/me.html",
        {
            "memberships": memberships_of(user=request.user),
            "has_back_office": user_has_back_office(user=request.user),
            "unread": notifications_unread_count(user=request.user),
        },
    )


# --- forgotten password ------------------------------------------------------------------------

RESET_PER_ADDRESS = 5  # requests per client address per hour
RESET_PER_EMAIL = 3  # e-mails sent to one address per hour
RESET_WINDOW = 3600


def rate_allow(*, key: str, limit: int, window: int = RESET_WINDOW) -> bool:
    """Count one more attempt under ``key``; False once ``limit`` is passed within the
    window. (Counters live in the cache: shared across workers when REDIS_URL is set.)"""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


class PasswordResetRequestView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        address = client_ip(self.request) or "unknown"
        if not rate_allow(key=f"pwreset:ip:{address}", limit=RESET_PER_ADDRESS):
            form.add_error(None, "重置请求过于频繁，请一小时后再试，或联系学校管理员重置密码。")
            return self.form_invalid(form)
        email = form.cleaned_data["email"].strip().lower()
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        if not rate_allow(key=f"pwreset:email:{digest}", limit=RESET_PER_EMAIL):
            # Same answer as a sent e-mail: nothing tells whether the address is known.
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = {
            "base_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
            "site_name": settings.WAGTAIL_SITE_NAME,
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
        return super().form_valid(form)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


# --- notifications (消息) -------------------------------------------------------------------


@login_required
def notifications(request):
    page = Paginator(notifications_of(user=request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/notifications.html",
        {"page": page, "unread": notifications_unread_count(user=request.user)},
    )


@login_required
def notification_open(request, pk):
    """Marks the message read and goes to what it is about (an address on this site only)."""
    notification = get_object_or_404(notifications_of(user=request.user), pk=pk)
    notification_mark_read(user=request.user, pk=notification.pk)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None) and link.startswith("/"):
        return redirect(link)
    return redirect("accounts:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    notification_mark_read(user=request.user)
    return redirect("accounts:notifications")
