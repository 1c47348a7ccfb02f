from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("twilio/", include("synclead.telephony.twilio.urls")),
    path("api/calls/", include("synclead.web.calls.urls")),
    path("", include("synclead.web.dashboard.urls")),
]
