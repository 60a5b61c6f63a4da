"""Log in, log out, password reset: Django's own views, with the lockout answer and rate limits."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render

from accounts import selectors
from accounts.services import login as login_services


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "signup_open": selectors.signup_state().allowed}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' AXES_LOCKOUT_CALLABLE: what a locked-out login gets, 429 with Retry-After.
    The same whether the account exists or not."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    wait = login_services.lockout_wait(request=request, username=username)
    message = login_services.lockout_message(wait)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        form = AuthenticationForm(request, initial={"username": username[:150]})
        response = render(request, "registration/login.html", {
            "form": form, "lockout": message, "next": request.POST.get("next", ""),
            "signup_open": selectors.signup_state().allowed}, status=429)
    response["Retry-After"] = str(wait)
    return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        login_services.login_failures_forget(username=form.user.get_username())
        return response
