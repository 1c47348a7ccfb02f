"""Django's ASGI application (the dashboard and admin); the gateway mounts it beside the Twilio endpoints."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synclead.web.settings")
application = get_asgi_application()
