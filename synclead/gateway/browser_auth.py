"""Who opens a browser test call's WebSocket: a logged-in dashboard member, from the dashboard's own origin.

Checked on the upgrade, before the socket is accepted: the `Origin` a browser always sends must be this server
(another site's page cannot open the socket with the member's cookie), and the Django session cookie must belong to
a logged-in, active user — the same check, session hash included, that every dashboard request passes.
"""

from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.contrib import auth
from django.http import HttpRequest
from starlette.datastructures import Headers

from synclead.config import Settings

log = logging.getLogger(__name__)


def same_origin(headers: Headers, settings: Settings) -> bool:
    """Whether the page that opens the socket was served by us: by the host it connects to, or our public URL."""
    origin = headers.get("origin", "")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    if parts.netloc.lower() == headers.get("host", "").lower():
        return True
    public = urlsplit(settings.public_url) if settings.public_url else None
    return public is not None and (parts.scheme, parts.netloc.lower()) == (public.scheme, public.netloc.lower())


def session_user_id(headers: Headers) -> int | None:
    """The logged-in user behind the request's session cookie, or None. Synchronous ORM: run it off the loop."""
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = cookie.get(django_settings.SESSION_COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    request = HttpRequest()
    request.session = import_module(django_settings.SESSION_ENGINE).SessionStore(morsel.value)
    user = auth.get_user(request)
    if not (user.is_authenticated and user.is_active):
        return None
    return user.pk
