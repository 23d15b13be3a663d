"""Sign-up, log-in, log-out, password reset by email and the profile page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.conftest import PASSWORDS

User = get_user_model()

SIGNUP = {
    "username": "wang",
    "first_name": "芳",
    "last_name": "王",
    "email": "wang@example.com",
    "password1": "a-long-passphrase-42",
    "password2": "a-long-passphrase-42",
}


def test_signup_creates_a_member_and_logs_them_in(client, demo):
    response = client.post("/accounts/signup/", SIGNUP, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/profile/"
    user = User.objects.get(username="wang")
    assert list(user.groups.values_list("name", flat=True)) == ["Members"]
    assert response.context["user"] == user
    assert "Welcome, 王芳" in response.content.decode()  # a Chinese name: family name first


def test_signup_returns_to_the_course_that_sent_the_visitor(client, demo):
    course = demo["safety_course"].url
    form = client.get("/accounts/signup/", {"next": course}).content.decode()
    assert f'name="next" value="{course}"' in form
    response = client.post(f"/accounts/signup/?next={course}", SIGNUP)
    assert response.url == course


def test_signup_ignores_a_next_address_on_another_site(client, demo):
    response = client.post("/accounts/signup/?next=https://evil.example/", SIGNUP)
    assert response.url == "/accounts/profile/"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "MEMBER@example.com"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"password2": "different-passphrase"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password2"),
        ({"username": "member"}, "username"),
        ({"username": ""}, "username"),
        ({"first_name": " ", "last_name": ""}, "first_name"),  # certificates need a name
    ],
)
def test_signup_refuses_bad_input_with_a_message(client, demo, change, field):
    response = client.post("/accounts/signup/", {**SIGNUP, **change})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'class="error"' in response.content.decode()
    assert not User.objects.filter(username="wang").exists()


def test_login_and_logout(client, demo):
    response = client.post("/accounts/login/", {"username": "member", "password": "elearn-member"})
    assert response.status_code == 302
    assert response.url == "/learning/"  # their courses and where they stopped, as a dashboard
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # logging out takes a POST (CSRF)
    response = client.post("/accounts/logout/", follow=True)
    assert "You have logged out." in response.content.decode()  # said where it lands
    assert client.get("/accounts/profile/").status_code == 302


def test_wrong_password_is_refused(client, demo):
    response = client.post("/accounts/login/", {"username": "member", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_password_reset_by_email(client, demo):
    response = client.post("/accounts/password_reset/", {"email": "member@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["member@example.com"]
    # Named for the organisation, not the server ("Reset your password on testserver").
    assert message.subject == "Reset your password on elearn demo society"
    assert "account on elearn demo society." in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase-7", "new_password2": "brand-new-passphrase-7"},
    )
    assert done.status_code == 302
    assert User.objects.get(username="member").check_password("brand-new-passphrase-7")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, demo):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_profile_edit(member_client, demo):
    response = member_client.post(
        "/accounts/profile/", {"first_name": "Li", "last_name": "Ming", "email": "li@example.com"}
    )
    assert response.status_code == 302
    user = User.objects.get(username="member")
    assert (user.first_name, user.email) == ("Li", "li@example.com")


def test_a_single_name_is_enough(client, demo):
    client.post("/accounts/signup/", {**SIGNUP, "first_name": "", "last_name": "Madonna"})
    assert User.objects.filter(username="wang", last_name="Madonna").exists()


def test_a_member_with_no_name_is_asked_for_it_and_their_certificates_get_it(client, demo):
    from courses.certificates import issue_certificate
    from courses.models import Enrolment

    user = User.objects.create_user("nameless", "nameless@example.com", "pw-12345678")
    enrolment = Enrolment.objects.create(user=user, course=demo["course"])
    certificate = issue_certificate(enrolment)  # enrolled by CSV with an email only
    assert certificate.member_name == "nameless"
    client.force_login(user)
    learning = client.get("/learning/").content.decode()
    assert 'Your certificates show your name: <a href="/accounts/profile/">' in learning
    zh = client.get("/learning/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "证书上" in zh
    response = client.post(
        "/accounts/profile/", {"first_name": "明", "last_name": "李", "email": user.email}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.member_name == "李明"
    assert "Your certificates show your name" not in client.get("/learning/").content.decode()
    # A name given later changes nothing on certificates issued in another name.
    client.post(
        "/accounts/profile/", {"first_name": "Ming", "last_name": "Li", "email": user.email}
    )
    certificate.refresh_from_db()
    assert certificate.member_name == "李明"


def test_profile_refuses_an_email_someone_else_uses(member_client, demo):
    response = member_client.post(
        "/accounts/profile/",
        {"first_name": "Li", "last_name": "Ming", "email": "trainer@example.com"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


def _attempt(client, url, password, username="member"):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_password_guessing_is_stopped_for_a_while(client, demo, settings, url):
    settings.ELEARN_LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        answer = _attempt(client, url, "wrong")
        assert answer.status_code == 200 and "Too many failed" not in answer.content.decode()
    # Locked: even the right password is not checked, and the message says why.
    answer = _attempt(client, url, PASSWORDS["member"])
    html = answer.content.decode()
    assert answer.status_code == 200 and "Too many failed log-ins. Try again in 15 minutes" in html
    assert "_auth_user_id" not in client.session
    # Another account from the same address may still log in.
    assert _attempt(client, "/accounts/login/", PASSWORDS["trainer"], "trainer").status_code == 302


def test_a_successful_log_in_clears_the_count(client, demo, settings):
    settings.ELEARN_LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(2):
        _attempt(client, "/accounts/login/", "wrong")
    assert _attempt(client, "/accounts/login/", PASSWORDS["member"]).status_code == 302
    client.logout()
    for _ in range(2):
        _attempt(client, "/accounts/login/", "wrong")
    assert _attempt(client, "/accounts/login/", PASSWORDS["member"]).status_code == 302


def test_one_address_guessing_many_accounts_is_stopped(client, demo, settings):
    settings.ELEARN_LOGIN_FAILURES_PER_ADDRESS = 4
    for name in ("a", "b", "c", "d"):
        _attempt(client, "/accounts/login/", "wrong", name)
    answer = _attempt(client, "/accounts/login/", PASSWORDS["member"])
    assert "Too many failed" in answer.content.decode()


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [("静", "陈", "陈静"), ("Ada", "Lovelace", "Ada Lovelace"), ("", "", "")],
)
def test_every_screen_writes_a_name_in_its_own_order(first, last, shown, admin_client):
    """Wagtail shows users by ``get_full_name``: its users list, page history and workflow
    emails said "静 陈" for 陈静."""
    from django.contrib.auth.models import User
    from wagtail.admin.utils import get_user_display_name

    user = User.objects.create_user("chen-jing", first_name=first, last_name=last)
    assert user.get_full_name() == shown
    assert get_user_display_name(user) == (shown or "chen-jing")
    html = admin_client.get("/admin/users/", {"q": "chen"}).content.decode()
    assert (shown or "chen-jing") in html
    assert "静 陈" not in html
