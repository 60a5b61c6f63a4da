import re

from django.core import mail

from tests.factories import PASSWORD

NEW_PASSWORD = "a-brand-new-password-42"


def test_a_reset_link_works_once(client, user, settings):
    page = client.get("/accounts/login/")
    assert b"Forgot your password?" in page.content
    sent = client.post("/accounts/password-reset/", {"email": user.email.upper()}, follow=True)
    assert b'id="reset-sent"' in sent.content
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == "Reset your Image Search password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
                       follow=True)
    assert b'id="reset-complete"' in done.content

    reused = client.get(link, follow=True)
    assert b'id="reset-invalid"' in reused.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, user):
    sent = client.post("/accounts/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert b'id="reset-sent"' in sent.content and mail.outbox == []


def test_a_reset_lifts_the_lockout_of_that_account(client, user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 429
    client.post("/accounts/password-reset/", {"email": user.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.post("/accounts/login/", {"username": user.username, "password": NEW_PASSWORD})
    assert response.status_code == 302
