"""Links read away from the site (emails, certificates, xAPI ids) follow one rule
(courses/addresses.py): a page's own Site address, unless that is a placeholder such as
Wagtail's first ``http://localhost``, and then WAGTAILADMIN_BASE_URL."""

import re

import pytest
from django.core import mail
from wagtail.models import Site

from courses.addresses import page_address, public_address, site_address
from courses.certificates import certificate_text
from courses.enrolments import invite
from courses.models import Certificate, Enrolment
from insights import notifications
from insights.models import NotificationPreferences

from .test_notifications import member

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s>]+")


@pytest.fixture
def forget_site_paths():
    yield
    # The test's transaction is rolled back with no signal: forget the addresses Wagtail cached.
    Site.clear_site_root_paths_cache()


@pytest.mark.parametrize(
    ("root_url", "expected"),
    [
        ("http://localhost", "https://learn.example.org"),
        ("http://localhost:8000", "https://learn.example.org"),
        ("http://127.0.0.1:8000", "https://learn.example.org"),
        ("http://[::1]", "https://learn.example.org"),
        ("http://0.0.0.0", "https://learn.example.org"),
        ("http://intranet.localhost", "https://learn.example.org"),
        ("https://elearn.example.cn/", "https://elearn.example.cn"),
        ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),  # a branch office's own server
        (None, "https://learn.example.org"),
    ],
)
def test_a_placeholder_site_address_gives_way_to_the_configured_one(root_url, expected, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://learn.example.org/"
    assert public_address(root_url) == expected


def test_every_email_link_is_at_the_sites_own_address(
    demo, settings, forget_site_paths, django_capture_on_commit_callbacks
):
    """An installation that set its Site's address but left WAGTAILADMIN_BASE_URL at its
    default: members' emails must not send them to 127.0.0.1."""
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "elearn.example.cn", 443
    site.save()
    user = member("reader")
    NotificationPreferences.objects.create(user=user, new_lessons=True)
    course = demo["course"]
    enrolment = Enrolment.objects.create(user=user, course=course)
    certificate = Certificate.objects.create(
        enrolment=enrolment, member_name="Reader", course_title=course.title
    )
    assert notifications.notify_member_enrolled(enrolment)
    assert notifications.notify_completion(certificate)
    assert notifications.notify_new_lesson(course.get_lessons().first()) >= 1
    invite(user, course)
    mine = [email for email in mail.outbox if email.to == [user.email]]
    assert len(mine) == 4
    links = [link for email in mine for link in LINK.findall(email.body)]
    links += [value for email in mine for value in email.extra_headers.values()]
    assert len(links) > 10
    for link in links:
        assert "127.0.0.1" not in link, link
    assert all(link.startswith("https://elearn.example.cn/") for email in mine
               for link in LINK.findall(email.body)), links  # fmt: skip
    assert certificate_text(certificate).verify_url == (
        f"https://elearn.example.cn/certificates/{certificate.code}/"
    )


def test_a_page_on_a_second_site_is_linked_once_at_that_sites_address(
    demo, settings, forget_site_paths
):
    """With two Sites, Wagtail's ``page.url`` is already absolute: prefixing it with an address
    gave "http://…http://…"."""
    settings.WAGTAILADMIN_BASE_URL = "https://learn.example.org"
    course = demo["course"]
    Site.objects.create(hostname="branch.example.org", port=443, root_page=course)
    Site.clear_site_root_paths_cache()
    lesson = course.get_lessons().first().specific
    assert lesson.url.startswith("https://branch.example.org/")
    assert page_address(lesson) == lesson.url
    assert page_address(course) == "https://branch.example.org/"
    assert site_address() == "https://learn.example.org"  # the default Site is localhost

    user = member("branch-reader")
    NotificationPreferences.objects.create(user=user, new_lessons=True)
    Enrolment.objects.create(user=user, course=course)
    assert notifications.notify_new_lesson(lesson) >= 1
    [email] = [email for email in mail.outbox if email.to == [user.email]]
    assert lesson.url in email.body
    assert not re.search(r"https?://\S*https?://", email.body)
