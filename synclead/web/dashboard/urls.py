from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views, audit_views, call_control, knowledge_views, lead_views, views

app_name = "dashboard"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("calls/<str:call_sid>/", views.call_detail, name="call_detail"),
    path("calls/<str:call_sid>/control/", call_control.call_control, name="call_control"),
    path("calls/<str:call_sid>/recording.wav", views.call_recording, name="call_recording"),
    path("leads/", lead_views.lead_inbox, name="lead_inbox"),
    path("leads/<int:pk>/", lead_views.lead_detail, name="lead_detail"),
    path("knowledge/", knowledge_views.knowledge_index, name="knowledge_index"),
    path("org/<slug:slug>/knowledge/", knowledge_views.knowledge, name="knowledge"),
    path("org/<slug:slug>/knowledge/upload/", knowledge_views.knowledge_upload, name="knowledge_upload"),
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
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("login/", account_views.PasswordLoginView.as_view(), name="login"),
    path("login/code/", account_views.login_code, name="login_code"),
    path("account/two-factor/", account_views.two_factor, name="two_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
