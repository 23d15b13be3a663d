"""The model backend that finds the logged-in member with one row fetch (elearn/auth.py):
the same user and the same refusals as Django's, and sessions made before it still work."""

from unittest import mock

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import Client

from courses.models import LessonProgress
from elearn.auth import ModelBackend
from elearn.sql import fetch_one

pytestmark = pytest.mark.django_db


def test_it_finds_the_same_user_as_the_orm(demo):
    member = demo["users"]["member"]
    found = ModelBackend().get_user(member.pk)
    expected = get_user_model().objects.get(pk=member.pk)
    assert found == expected
    for field in get_user_model()._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found._state.adding is False and found._state.db == "default"


def test_inactive_missing_and_malformed_users_are_nobody(demo):
    member = demo["users"]["member"]
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)
    backend = ModelBackend()
    assert backend.get_user(member.pk) is None
    assert backend.get_user(10**9) is None
    assert backend.get_user("not a number") is None


@pytest.mark.parametrize(
    "backend", ["elearn.auth.ModelBackend", "django.contrib.auth.backends.ModelBackend"]
)
def test_sessions_of_either_backend_are_logged_in(demo, backend):
    client = Client()
    client.force_login(demo["users"]["member"], backend=backend)
    assert client.get("/accounts/profile/").status_code == 200


def test_a_wrong_password_is_checked_once(demo):
    member = demo["users"]["member"]
    model = get_user_model()
    with mock.patch.object(model, "check_password", autospec=True, return_value=False) as check:
        assert authenticate(username=member.username, password="wrong") is None  # noqa: S106
    assert check.call_count == 1


def test_fetch_one_converts_like_the_orm(demo):
    from courses.progress import record

    member = demo["users"]["member"]
    lecture = demo["video_lecture"]
    record(member, lecture, {"segments": [[0, 5]], "slides": [1]})
    row = LessonProgress.objects.get(user=member, page_id=lecture.pk)
    found = fetch_one(LessonProgress, {"user_id": member.pk, "page_id": lecture.pk})
    for field in LessonProgress._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(row, field.attname), field.name
    assert fetch_one(LessonProgress, {"user_id": member.pk, "page_id": 10**9}) is None
