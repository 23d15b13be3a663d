"""Protected files: Django checks permission, then sends the bytes itself (Range, ETag,
nosniff) or hands them to the front web server (nginx X-Accel-Redirect, X-Sendfile)."""

from pathlib import Path

import pytest
from django.test import override_settings

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def files(demo):
    slide = demo["deck"].slides.get(number=2)
    video = demo["video"]
    return {
        "slide image": slide.src,
        "deck pdf": demo["deck"].pdf_url,
        "rendition": video.renditions.first().url,
        "poster": video.poster_url,
    }


def test_django_sends_ranges_etag_and_nosniff(demo, member_client):
    url = files(demo)["rendition"]
    whole = member_client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["X-Content-Type-Options"] == "nosniff" and whole["ETag"]
    part = member_client.get(url, HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and len(b"".join(part.streaming_content)) == 100
    again = member_client.get(url, HTTP_IF_NONE_MATCH=whole["ETag"])
    assert again.status_code == 304


@override_settings(ELEARN_PROTECTED_FILES="x-accel-redirect")
def test_nginx_sends_the_bytes_after_django_said_yes(demo, member_client, settings):
    for kind, url in files(demo).items():
        answer = member_client.get(url)
        assert answer.status_code == 200, kind
        target = answer["X-Accel-Redirect"]
        assert target.startswith("/protected/") and answer.content == b"", kind
        # The internal location maps onto MEDIA_ROOT: the same file Django would send.
        assert (Path(settings.MEDIA_ROOT) / target.removeprefix("/protected/")).is_file(), kind
        assert answer["X-Content-Type-Options"] == "nosniff" and answer["ETag"], kind
        assert answer["Content-Type"] != "text/html; charset=utf-8", kind
    assert member_client.get(files(demo)["deck pdf"])["Content-Disposition"].startswith("inline")


@override_settings(ELEARN_PROTECTED_FILES="x-sendfile")
def test_x_sendfile_names_the_file_on_disk(demo, member_client):
    answer = member_client.get(files(demo)["slide image"])
    assert Path(answer["X-Sendfile"]).is_file() and answer["Content-Type"].startswith("image/")


@override_settings(ELEARN_PROTECTED_FILES="x-accel-redirect")
def test_people_who_may_not_see_a_file_get_no_redirect(demo):
    welcome = demo["welcome_lecture"]
    welcome.preview = False
    welcome.save_revision().publish()
    visitor = client_for("visitor", demo)
    for kind, url in files(demo).items():
        answer = visitor.get(url)
        assert answer.status_code == 404 and "X-Accel-Redirect" not in answer, kind
