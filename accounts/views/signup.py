"""The sign-up page: open, by invite link (?invite=<key>), or closed (settings.SIGNUP_MODE)."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render

from accounts import selectors
from accounts.forms import SignupForm
from accounts.services.signup import user_signup
from imagesearch.exceptions import ApplicationError
from imagesearch.ratelimit import rate_limit


@rate_limit("signup", methods=("POST",))
def signup(request):
    if request.user.is_authenticated:
        return redirect("gallery:home")
    invite_key = (request.POST.get("invite") or request.GET.get("invite") or "").strip()[:64]
    state = selectors.signup_state(invite_key=invite_key)
    if not state.allowed:
        return render(request, "registration/signup.html", {"closed": state.message},
                      status=403 if request.method == "POST" else 200)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(username=form.cleaned_data["username"], email=form.cleaned_data["email"],
                               password=form.cleaned_data["password1"], invite_key=invite_key)
        except ApplicationError as exc:  # the invite was used up by someone else a moment ago
            return render(request, "registration/signup.html", {"closed": exc.message}, status=exc.status_code)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Drop some photos here to start your gallery.")
        if user.is_superuser:
            messages.info(request, "As the first account, you are this site's administrator (see Account).")
        return redirect("gallery:home")
    return render(request, "registration/signup.html",
                  {"form": form, "invite_key": invite_key if state.invite else "", "first_account": state.first_account},
                  status=400 if form.errors else 200)
