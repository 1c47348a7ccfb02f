from django.contrib.auth import views as auth_views
from django.urls import path

from synclead.web.evals import views as eval_views

from . import (
    account_views,
    analytics_views,
    audit_views,
    call_control,
    knowledge_views,
    language,
    lead_views,
    listings_import_views,
    live_views,
    member_views,
    settings_views,
    talk_views,
    views,
)

app_name = "dashboard"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("calls/<str:call_sid>/", views.call_detail, name="call_detail"),
    path("calls/<str:call_sid>/control/", call_control.call_control, name="call_control"),
    path("calls/<str:call_sid>/events/", live_views.call_events, name="call_events"),
    path("live/", live_views.live_calls, name="live_calls"),
    path("live/events/", live_views.live_events, name="live_events"),
    path("analytics/", analytics_views.analytics_page, name="analytics"),
    path("analytics/calls.csv", analytics_views.export_calls, name="export_calls"),
    path("analytics/leads.csv", analytics_views.export_leads, name="export_leads"),
    path("calls/<str:call_sid>/recording.wav", views.call_recording, name="call_recording"),
    path("leads/", lead_views.lead_inbox, name="lead_inbox"),
    path("leads/<int:pk>/", lead_views.lead_detail, name="lead_detail"),
    path("org/<slug:slug>/talk/", talk_views.talk, name="talk"),
    path("org/<slug:slug>/talk/start/", talk_views.talk_start, name="talk_start"),
    path("knowledge/", knowledge_views.knowledge_index, name="knowledge_index"),
    path("org/<slug:slug>/knowledge/", knowledge_views.knowledge, name="knowledge"),
    path("org/<slug:slug>/knowledge/upload/", knowledge_views.knowledge_upload, name="knowledge_upload"),
    path(
        "org/<slug:slug>/knowledge/imports/<int:pk>/",
        listings_import_views.listings_import,
        name="listings_import",
    ),
    path(
        "org/<slug:slug>/knowledge/imports/<int:pk>/cancel/",
        listings_import_views.listings_import_cancel,
        name="listings_import_cancel",
    ),
    path("org/<slug:slug>/knowledge/reindex/", knowledge_views.knowledge_reindex, name="knowledge_reindex"),
    path(
        "org/<slug:slug>/knowledge/documents/<int:pk>/reindex/",
        knowledge_views.knowledge_reindex,
        name="knowledge_reindex_document",
    ),
    path(
        "org/<slug:slug>/knowledge/documents/<int:pk>/delete/",
        knowledge_views.knowledge_delete,
        name="knowledge_delete",
    ),
    path("settings/", settings_views.settings_index, name="settings_index"),
    path("org/<slug:slug>/settings/", settings_views.organization_settings, name="organization_settings"),
    path(
        "org/<slug:slug>/settings/test/<str:channel>/",
        settings_views.send_test_notification,
        name="send_test_notification",
    ),
    path("org/<slug:slug>/members/", member_views.members, name="members"),
    path("org/<slug:slug>/members/invite/", member_views.invite, name="invite_member"),
    path("org/<slug:slug>/members/<int:pk>/role/", member_views.change_role, name="change_role"),
    path("org/<slug:slug>/members/<int:pk>/remove/", member_views.remove_member, name="remove_member"),
    path("org/<slug:slug>/invitations/<int:pk>/revoke/", member_views.revoke_invitation, name="revoke_invitation"),
    path("invitations/<str:token>/", member_views.accept_invitation, name="accept_invitation"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("eval/", eval_views.eval_index, name="eval_index"),
    path("org/<slug:slug>/eval/", eval_views.eval_scorecard, name="eval"),
    path("login/", account_views.PasswordLoginView.as_view(), name="login"),
    path("login/code/", account_views.login_code, name="login_code"),
    path("account/two-factor/", account_views.two_factor, name="two_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", language.set_language, name="language"),
]
