"""The account page: time zone, password, API tokens, deleting the account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts import selectors
from accounts.forms import AccountDeleteForm, ApiTokenCreateForm, TimeZoneForm
from accounts.services import deletion, profile, tokens
from gallery.selectors import photo_status_counts
from imagesearch.exceptions import ApplicationError, get_or_404

SESSION_NEW_TOKEN = "account_new_token"


def account(request, *, token_form: ApiTokenCreateForm | None = None, time_zone_form: TimeZoneForm | None = None,
            status: int = 200):
    new_token = request.session.pop(SESSION_NEW_TOKEN, None)  # shown once
    context = {
        "time_zone_form": time_zone_form or TimeZoneForm(
            initial={"time_zone": selectors.account_time_zone_name(user=request.user)}),
        "token_form": token_form or ApiTokenCreateForm(),
        "tokens": selectors.api_token_list(user=request.user),
        "new_token": new_token,
    }
    return render(request, "accounts/account.html", context, status=status)


@require_POST
def time_zone_update(request):
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        return account(request, time_zone_form=form, status=400)
    try:
        profile.profile_update(user=request.user, time_zone=form.cleaned_data["time_zone"])
    except ApplicationError as exc:
        form.add_error("time_zone", exc.message)
        return account(request, time_zone_form=form, status=400)
    messages.success(request, f"Time zone: {form.cleaned_data['time_zone'] or 'the server’s'}.")
    return redirect("account")


@require_POST
def api_token_create(request):
    form = ApiTokenCreateForm(request.POST)
    if not form.is_valid():
        return account(request, token_form=form, status=400)
    try:
        new = tokens.api_token_create(user=request.user, name=form.cleaned_data["name"],
                                      expires_in_days=form.cleaned_data["expires_in_days"])
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return account(request, token_form=form, status=400)
    # Kept in the server-side session until the next page shows it once (never in a cookie).
    request.session[SESSION_NEW_TOKEN] = {"id": new.token.pk, "name": new.token.name, "key": new.key}
    return redirect("account")


@require_POST
def api_token_revoke(request, token_id: int):
    token = get_or_404(selectors.api_token_get, user=request.user, token_id=token_id)
    tokens.api_token_revoke(token=token)
    messages.success(request, f"Revoked the token “{token.name}”: it no longer works.")
    return redirect("account")


def account_delete(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        report = deletion.user_delete(user=user)
        messages.success(request, f"Your account and its {report.photos} photo{'' if report.photos == 1 else 's'} "
                                  "were deleted.")
        return redirect("login")
    return render(request, "accounts/delete.html", {"form": form, "photos": sum(photo_status_counts(owner=request.user).values())},
                  status=400 if form.errors else 200)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed.")
        return response
