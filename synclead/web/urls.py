from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # One way in, with its throttling and its second factor: the admin's own login page would skip the code.
    path("admin/login/", RedirectView.as_view(pattern_name="dashboard:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("twilio/", include("synclead.telephony.twilio.urls")),
    path("api/calls/", include("synclead.web.calls.urls")),
    path("", include("synclead.web.dashboard.urls")),
]
