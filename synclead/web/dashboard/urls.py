from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("calls/<str:call_sid>/", views.call_detail, name="call_detail"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="dashboard/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
