from django.urls import path

from synclead.web.calls import api

app_name = "calls"
urlpatterns = [
    path("<str:call_sid>/report", api.call_report, name="report"),
]
