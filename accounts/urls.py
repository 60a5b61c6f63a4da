"""Pages under /accounts/ (URL names as before the accounts app had them: login, logout, signup)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import account, invites, login, signup
from imagesearch.ratelimit import rate_limit

urlpatterns = [
    path("login/", rate_limit("login", methods=("POST",))(login.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", signup.signup, name="signup"),
    path("password-reset/", rate_limit("password_reset", methods=("POST",))(auth_views.PasswordResetView.as_view()),
         name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", login.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", account.account, name="account"),
    path("password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("time-zone/", account.time_zone_update, name="account-time-zone"),
    path("tokens/", account.api_token_create, name="account-token-create"),
    path("tokens/<int:token_id>/revoke/", account.api_token_revoke, name="account-token-revoke"),
    path("delete/", account.account_delete, name="account-delete"),
    path("invites/", invites.invites, name="invites"),
    path("invites/add/", invites.invite_add, name="invite-add"),
    path("invites/<int:invite_id>/withdraw/", invites.invite_withdraw, name="invite-withdraw"),
]
