"""Logging in: a password, then a code from an authenticator app for those who turned two-factor login on.

Failed attempts are counted by django-axes (settings.py): wrong passwords through the authentication backend, wrong
codes here, so that guessing a code costs the same as guessing a password.
"""

from __future__ import annotations

import math
import time
from base64 import b32encode
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN_TEMPLATE = "dashboard/login.html"
# The session's note that the password was right and the code is awaited; it is no login.
PENDING = "synclead_login_pending"
PENDING_FOR_S = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        # Apps show the code as "123 456"; people type it as they see it.
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return code


def lockout_minutes() -> int:
    cool_off = get_cool_off()
    return math.ceil(cool_off.total_seconds() / 60) if cool_off else 0


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The login page, saying why nothing works for now (django-axes' AXES_LOCKOUT_CALLABLE).

    Every attempt during a lockout starts its cool-off again, so the full cool-off is the true wait.
    """
    request.session.pop(PENDING, None)
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "locked_out_minutes": lockout_minutes(),
        "next": _next(request),
    }
    return render(request, LOGIN_TEMPLATE, context, status=429)


def _next(request: HttpRequest) -> str:
    # Only carried along in the form: LoginView checks it before redirecting anywhere.
    return request.POST.get("next") or request.GET.get("next", "")


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class PasswordLoginView(LoginView):
    """The dashboard's (and the admin's) only way in; a user with an authenticator app goes on to `login_code`."""

    template_name = LOGIN_TEMPLATE
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),  # checked by LoginView: our own host only
            "at": time.time(),
        }
        return redirect("dashboard:login_code")


def _pending_user(request: HttpRequest) -> tuple[Any, dict] | tuple[None, None]:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_FOR_S:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else (None, None)


@never_cache
@sensitive_post_parameters("code")
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: the code of the user whose password was right a moment ago."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Log in again: the code is asked for within five minutes of the password."))
        return redirect("dashboard:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return locked_out(request)
        device = confirmed_device(user)
        if device is not None and not device.verify_is_allowed()[0]:
            form.add_error(None, _("Too many wrong codes in a row: wait a few seconds before the next one."))
            return render(request, "dashboard/login_code.html", {"form": form}, status=429)
        if form.is_valid() and device is not None and device.verify_token(form.cleaned_data["code"]):
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
        # Counted as a failed login: 20 wrong codes lock the account like 20 wrong passwords.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if form.is_valid():
            form.add_error("code", _("That code is not right. Enter the one your authenticator app shows now."))
    return render(request, "dashboard/login_code.html", {"form": form})


@login_required
@never_cache
@sensitive_post_parameters("code")
def two_factor(request: HttpRequest) -> HttpResponse:
    """Turn two-factor login on (scan, then confirm with a code) or off (with a code)."""
    device = confirmed_device(request.user)
    if device is not None:
        return _two_factor_on(request, device)
    # The same key until it is confirmed: a reload must not invalidate what the phone has already scanned.
    setup = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if setup is None:
        setup = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if setup.verify_token(form.cleaned_data["code"]):
            setup.confirmed = True
            setup.save(update_fields=["confirmed"])
            otp_login(request, setup)
            messages.success(request, _("Two-factor login is on: from now on, logging in asks for a code."))
            return redirect("dashboard:two_factor")
        form.add_error("code", _("That code is not right. Check the app shows SYNCLEAD and enter its current code."))
    uri = setup.config_url
    context = {
        "form": form,
        "uri": uri,
        # Markup segno wrote from our own URI: nothing from a request is in it.
        "qr": mark_safe(segno.make(uri, error="m").svg_inline(scale=5, svgclass="qr", title=_("QR code to scan"))),
        "secret": " ".join(_groups(b32encode(setup.bin_key).decode(), 4)),
    }
    return render(request, "dashboard/two_factor.html", context)


def _two_factor_on(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A code, not just the session: whoever finds a logged-in browser must not be able to turn it off.
        if device.verify_token(form.cleaned_data["code"]):
            TOTPDevice.objects.filter(user=request.user).delete()
            messages.success(request, _("Two-factor login is off: your password alone logs you in."))
            return redirect("dashboard:two_factor")
        form.add_error("code", _("That code is not right: two-factor login stays on."))
    return render(request, "dashboard/two_factor.html", {"form": form, "enabled": True})


def _groups(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
