"""Accounts and security in headless Chromium: every main page under the Content-Security-Policy
with no console error, and the operator's journey (sign-up by invite only, an invite, a sign-up
from its link, a password reset from the email, a token for a phone made and revoked)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.models import ApiToken
from tests import images
from tests.browser.conftest import console_errors, screenshot
from tests.browser.test_gallery_pages import log_in
from tests.factories import PASSWORD, UserFactory, ready_photo_factory

pytestmark = [pytest.mark.browser]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

NEW_PASSWORD = "a-new-and-long-password-9"


def visit(page, url: str, name: str):
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("networkidle")
    screenshot(page, name)
    return response


def test_every_main_page_works_under_the_content_security_policy(live_url, new_page, settings):
    settings.SIGNUP_MODE = "invite"
    admin = UserFactory(is_staff=True, is_superuser=True)
    photos = [ready_photo_factory(owner=admin, data=images.jpeg(320, 240, seed=80 + i), name=f"page-{i}.jpg")
              for i in range(2)]
    page = new_page()
    for path, name in (("/accounts/login/", "csp-login"), ("/accounts/signup/", "csp-signup-invite-only"),
                       ("/accounts/password-reset/", "csp-password-reset")):
        visit(page, live_url + path, name)
    log_in(page, live_url, admin.username)
    photo = photos[0].pk
    for path, name in (
        ("/", "csp-gallery"), (f"/photos/{photo}/", "csp-photo"), ("/search/?q=pattern", "csp-results-text"),
        (f"/search/similar/{photo}/", "csp-results-similar"), (f"/search/region/{photo}/?box=0.1,0.1,0.8,0.8", "csp-results-region"),
        ("/search/tags/", "csp-tags"), ("/search/duplicates/", "csp-duplicates"), ("/search/reindex/", "csp-reindex"),
        ("/accounts/", "account"), ("/accounts/password/", "csp-password-change"), ("/accounts/delete/", "account-delete"),
        ("/accounts/invites/", "invites"), ("/admin/", "admin"), ("/admin/gallery/photo/", "admin-photos"),
        (f"/admin/gallery/photo/{photo}/change/", "admin-photo"), ("/admin/auth/user/", "admin-users"),
        (f"/admin/auth/user/{admin.pk}/change/", "admin-user"), ("/admin/search/reindexjob/", "admin-jobs"),
        ("/admin/search/embeddingmodel/", "admin-models"), ("/admin/accounts/apitoken/", "admin-tokens"),
        ("/admin/axes/accessattempt/", "admin-lockouts"),
    ):
        visit(page, live_url + path, name)
    # The confirm dialog before deleting for good comes from static JS (no inline handler).
    page.goto(f"{live_url}/photos/{photo}/")
    page.get_by_role("button", name="Move to trash").click()  # restorable: no dialog
    page.goto(f"{live_url}/photos/{photo}/")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Delete forever").click()
    assert dialogs == ["Delete this photo for good? This cannot be undone."]
    expect(page).to_have_url(f"{live_url}/photos/{photo}/")  # dismissed: nothing deleted

    # The API docs: Swagger UI renders from local files with its start-up script loaded by URL.
    visit(page, f"{live_url}/api/docs/", "api-docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Image Search API", timeout=15_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    screenshot(page, "api-docs")
    assert console_errors(page) == []


def test_a_flood_of_searches_shows_the_limit_page(live_url, new_page, settings, offline_model):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "2/minute"}
    user = UserFactory()
    page = new_page()
    log_in(page, live_url, user.username)
    for word in ("dog", "cat"):
        assert page.goto(f"{live_url}/search/?q={word}").status == 200
    response = page.goto(f"{live_url}/search/?q=bird")
    assert response.status == 429 and int(response.headers["retry-after"]) > 0
    expect(page.locator("#rate-limit-message")).to_contain_text("Too many searches: try again in")
    screenshot(page, "rate-limited")
    assert page.goto(f"{live_url}/").status == 200  # the rest of the site answers


def test_operator_invites_a_person_who_signs_up_resets_a_password_and_revokes_a_phone_token(
        live_url, new_page, settings):
    settings.SIGNUP_MODE = "invite"
    operator = UserFactory(is_staff=True, is_superuser=True)

    # A visitor without an invite is told sign-up is by invitation.
    visitor = new_page()
    visitor.goto(f"{live_url}/accounts/signup/")
    expect(visitor.locator("#signup-closed")).to_contain_text("Sign-up is by invitation only.")
    expect(visitor.locator("#id_password1")).to_have_count(0)
    visitor.goto(f"{live_url}/accounts/login/")
    expect(visitor.get_by_role("link", name="Create an account")).to_have_count(0)

    # The operator makes an invite link on the staff page.
    admin_page = new_page()
    log_in(admin_page, live_url, operator.username)
    admin_page.locator(".who").click()
    expect(admin_page).to_have_url(f"{live_url}/accounts/")
    admin_page.get_by_role("link", name="Invites").click()
    expect(admin_page.locator("#signup-mode")).to_contain_text("by invitation")
    admin_page.fill("#id_note", "Bob")
    admin_page.get_by_role("button", name="Make an invite link").click()
    link = admin_page.locator("#new-invite-link").input_value()
    assert link.startswith(f"{live_url}/accounts/signup/?invite=")
    screenshot(admin_page, "invites-new-link")

    # Bob signs up from the link; the link is then used up.
    bob = new_page()
    bob.goto(link)
    bob.fill("#id_username", "bob")
    bob.fill("#id_email", "bob@example.com")
    bob.fill("#id_password1", PASSWORD)
    bob.fill("#id_password2", PASSWORD)
    bob.get_by_role("button", name="Sign up").click()
    expect(bob).to_have_url(f"{live_url}/")
    expect(bob.locator(".who")).to_have_text("bob")
    bob.get_by_role("button", name="Log out").click()
    bob.goto(link)
    expect(bob.locator("#signup-closed")).to_contain_text("not valid")
    admin_page.reload()
    expect(admin_page.locator("#invite-table .invite-state").first).to_have_text("used by bob")

    # Bob forgot his password: the email's link sets a new one, once.
    bob.goto(f"{live_url}/accounts/login/")
    bob.get_by_role("link", name="Forgot your password?").click()
    bob.fill("#id_email", "bob@example.com")
    bob.get_by_role("button", name="Send the link").click()
    expect(bob.locator("#reset-sent")).to_be_visible()
    assert len(mail.outbox) == 1
    reset_link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    bob.goto(reset_link)
    bob.fill("#id_new_password1", NEW_PASSWORD)
    bob.fill("#id_new_password2", NEW_PASSWORD)
    screenshot(bob, "password-reset-new")
    bob.get_by_role("button", name="Set the password").click()
    expect(bob.locator("#reset-complete")).to_be_visible()
    bob.goto(reset_link)
    expect(bob.locator("#reset-invalid")).to_be_visible()
    log_in(bob, live_url, "bob", NEW_PASSWORD)

    # A token for his phone: shown once, works, revoked, stops at once.
    bob.goto(f"{live_url}/accounts/")
    bob.fill("#id_name", "Bob's phone")
    bob.select_option("#id_expires_in_days", "90")
    bob.get_by_role("button", name="Make a token").click()
    key = bob.locator("#new-token-key").input_value()
    expect(bob.locator("#token-table .token-name")).to_have_text(["Bob's phone"])
    screenshot(bob, "account-new-token")
    phone = bob.context.request
    assert phone.get(f"{live_url}/api/v1/photos/", headers={"Authorization": f"Token {key}"}).status == 200
    bob.once("dialog", lambda dialog: dialog.accept())
    bob.get_by_role("button", name="Revoke Bob's phone").click()
    expect(bob.locator(".message-success")).to_contain_text("no longer works")
    expect(bob.locator("#no-tokens")).to_be_visible()
    assert not ApiToken.objects.filter(user__username="bob").exists()
    assert phone.get(f"{live_url}/api/v1/photos/", headers={"Authorization": f"Token {key}"}).status == 401
    assert console_errors(bob) == []


def test_closed_sign_up_and_a_password_guessing_lockout(live_url, new_page, settings):
    settings.SIGNUP_MODE = "closed"
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory()
    page = new_page()
    page.goto(f"{live_url}/accounts/signup/")
    expect(page.locator("#signup-closed")).to_contain_text("Sign-up is closed on this site.")
    screenshot(page, "signup-closed")
    page.goto(f"{live_url}/accounts/login/")
    for _ in range(3):
        page.fill("#id_username", user.username)
        page.fill("#id_password", "guess")
        page.get_by_role("button", name="Log in").click()
    expect(page.locator("#lockout")).to_have_text("Too many failed login attempts. Try again in 15 minutes.")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#lockout")).to_be_visible()  # even the right password waits out the cool-off
    screenshot(page, "login-locked-out")
