"""Staff page: single-use invite links (sign-up mode "invite")."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import selectors
from accounts.forms import InviteCreateForm
from accounts.services.signup import invite_create, invite_revoke
from imagesearch.exceptions import ApplicationError, get_or_404

SESSION_NEW_INVITE = "account_new_invite"


def _staff_only(request) -> None:
    if not request.user.is_staff:
        raise Http404("No such page.")


def invites(request, *, form: InviteCreateForm | None = None, status: int = 200):
    _staff_only(request)
    return render(request, "accounts/invites.html", {
        "form": form or InviteCreateForm(), "invites": selectors.invite_list()[:200],
        "mode": selectors.signup_mode(), "new_invite": request.session.pop(SESSION_NEW_INVITE, None),
        "now": timezone.now(),
    }, status=status)


@require_POST
def invite_add(request):
    _staff_only(request)
    form = InviteCreateForm(request.POST)
    if not form.is_valid():
        return invites(request, form=form, status=400)
    try:
        new = invite_create(created_by=request.user, note=form.cleaned_data["note"],
                            valid_days=form.cleaned_data["valid_days"])
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return invites(request, form=form, status=400)
    link = request.build_absolute_uri(f"{reverse('signup')}?invite={new.key}")
    request.session[SESSION_NEW_INVITE] = {"id": new.invite.pk, "note": new.invite.note, "link": link}
    return redirect("invites")


@require_POST
def invite_withdraw(request, invite_id: int):
    _staff_only(request)
    invite = get_or_404(selectors.invite_get, invite_id=invite_id)
    invite_revoke(invite=invite)
    messages.success(request, "Withdrew the invite: its link no longer works." if invite.used_by_id is None
                     else "That invite was already used.")
    return redirect("invites")
