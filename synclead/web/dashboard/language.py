"""Each user's dashboard language: chosen in the header, kept with the account, the browser's until then.

Django's LocaleMiddleware picks the language cookie or Accept-Language; a signed-in user's stored choice, copied into
the session when they log in, overrides both. Reading it from the session keeps every page free of an extra query.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views import i18n
from django.views.decorators.http import require_POST

from .models import Preference

SESSION_KEY = "synclead_language"


def available(language: Any) -> bool:
    return isinstance(language, str) and language in dict(settings.LANGUAGES)


class UserLanguageMiddleware:
    """After LocaleMiddleware and the session: the signed-in user's own choice, when they made one."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if available(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="synclead-user-language")
def _remember_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    stored = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not available(stored) and available(chosen):
        # Picked on the login page before the account had a choice: it becomes the account's.
        Preference.objects.update_or_create(user=user, defaults={"language": chosen})
        stored = chosen
    if available(stored):
        request.session[SESSION_KEY] = stored
    else:
        request.session.pop(SESSION_KEY, None)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language buttons: the cookie for this browser, and the account's choice for every browser."""
    # Django's view checks the language and the `next` address (our own host only), and sets the cookie.
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if available(language) and request.user.is_authenticated:
        Preference.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return response
