"""An organization's members page (owners invite, change roles, remove; advisors read), and the page an
invitation link opens, where a new person sets a password or a logged-in one joins."""

from __future__ import annotations

import logging
import smtplib

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from synclead.web.audit.events import record_request
from synclead.web.audit.models import Action
from synclead.web.organizations import membership
from synclead.web.organizations.models import Organization, Role

from .settings_views import member_organization

log = logging.getLogger(__name__)


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.ADVISOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class NewAccountForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    password1 = forms.CharField(
        label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        get_user_model().username_validator(username)
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is taken; choose another."))
        return username

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            user = get_user_model()(username=cleaned.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(first, user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def _members_url(organization: Organization) -> str:
    return reverse("dashboard:members", args=[organization.slug])


def _owner_organization(request: HttpRequest, slug: str) -> Organization:
    organization, can_edit = member_organization(request, slug)
    if not can_edit:
        raise PermissionDenied(_("Only the organization's owners manage its members."))
    return organization


@login_required
@require_GET
def members(request: HttpRequest, slug: str) -> HttpResponse:
    organization, can_edit = member_organization(request, slug)
    return _members_page(request, organization, can_edit, InviteForm())


def _members_page(request: HttpRequest, organization: Organization, can_edit: bool, form: InviteForm) -> HttpResponse:
    context = {
        "organization": organization,
        "can_edit": can_edit,
        "memberships": organization.memberships.select_related("user").order_by("role", "user__username"),
        "invitations": organization.invitations.open().select_related("invited_by") if can_edit else [],
        "form": form,
        "roles": Role.choices,
    }
    # A form sent back with its errors is a refused request.
    return render(request, "dashboard/members.html", context, status=400 if form.is_bound else 200)


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _owner_organization(request, slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, organization, True, form)
    email, role = form.cleaned_data["email"], form.cleaned_data["role"]
    try:
        invitation, token = membership.invite(organization, email, role, request.user)
    except membership.MembershipError as error:
        form.add_error("email", str(error))
        return _members_page(request, organization, True, form)
    link = membership.invitation_link(token, request.build_absolute_uri("/"))
    record_request(request, Action.INVITED, organization, target=email[:64], detail=f"as {role}")
    try:
        membership.send_invitation(invitation, link)
    except (smtplib.SMTPException, OSError):
        log.exception("invitation email to %s for %s failed", email, organization.slug)
        # The owner can still pass the link on by other means; it is shown to them alone, this once.
        messages.warning(
            request,
            _("The email could not be sent. Give %(email)s this link: %(link)s") % {"email": email, "link": link},
        )
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
    return redirect(_members_url(organization))


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = _owner_organization(request, slug)
    revoked = organization.invitations.open().filter(pk=pk)
    email = revoked.values_list("email", flat=True).first()
    if email and revoked.update(revoked=True):
        record_request(request, Action.INVITE_REVOKED, organization, target=email[:64])
        messages.success(request, _("The invitation to %(email)s no longer works.") % {"email": email})
    return redirect(_members_url(organization))


@login_required
@require_POST
def change_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = _owner_organization(request, slug)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose owner or advisor."))
        return redirect(_members_url(organization))
    role = form.cleaned_data["role"]
    try:
        changed = membership.change_role(organization, pk, role)
    except membership.MembershipError as error:
        messages.error(request, str(error))
    else:
        name = changed.user.get_username()
        record_request(request, Action.ROLE_CHANGED, organization, target=name[:64], detail=f"now {role}")
        messages.success(request, _("%(name)s is now %(role)s.") % {"name": name, "role": Role(role).label})
    return redirect(_members_url(organization))


@login_required
@require_POST
def remove_member(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = _owner_organization(request, slug)
    try:
        removed = membership.remove(organization, pk)
    except membership.MembershipError as error:
        messages.error(request, str(error))
        return redirect(_members_url(organization))
    name = removed.user.get_username()
    record_request(request, Action.MEMBER_REMOVED, organization, target=name[:64])
    messages.success(
        request,
        _("%(name)s no longer belongs to %(organization)s.") % {"name": name, "organization": organization.name},
    )
    if removed.user_id == request.user.pk:
        return redirect("dashboard:call_list")
    return redirect(_members_url(organization))


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = membership.open_invitation(token)
    if invitation is None:
        return render(request, "dashboard/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    existing = get_user_model().objects.filter(email__iexact=invitation.email).exists()
    form = None
    if user is None and not existing:
        form = NewAccountForm(request.POST if request.method == "POST" else None, email=invitation.email)
    if request.method == "POST":
        if user is None and form is None:
            # The address has an account: its owner logs in first, then comes back to this link.
            return redirect(f"{reverse('dashboard:login')}?next={request.path}")
        if form is not None and not form.is_valid():
            return render(request, "dashboard/invitation.html", {"invitation": invitation, "form": form}, status=400)
        try:
            with transaction.atomic():
                if user is None:
                    user = get_user_model().objects.create_user(
                        form.cleaned_data["username"], invitation.email, form.cleaned_data["password1"]
                    )
                accepted = membership.accept(token, user)
        except (membership.MembershipError, IntegrityError):
            return render(request, "dashboard/invitation_invalid.html", status=404)
        if not request.user.is_authenticated:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        record_request(
            request, Action.JOINED, accepted.organization, target=user.get_username()[:64], detail=f"as {accepted.role}"
        )
        messages.success(
            request,
            _("You joined %(organization)s as %(role)s.")
            % {"organization": accepted.organization.name, "role": accepted.get_role_display()},
        )
        return redirect("dashboard:call_list")
    context = {"invitation": invitation, "form": form, "existing": existing and user is None}
    return render(request, "dashboard/invitation.html", context)
