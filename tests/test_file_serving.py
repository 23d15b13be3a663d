"""Protected files: Django checks permission, then sends the bytes itself (Range, ETag,
nosniff) or hands them to the front web server (nginx X-Accel-Redirect, X-Sendfile)."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from courses import deck_service
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


def read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "header, status, content_range",
    [
        # A first byte past the end, however many digits (int() refuses more than 4300).
        ("bytes=" + "9" * 5000 + "-", 416, "bytes */{size}"),
        # A suffix or last byte past the end means up to the end: the whole file.
        ("bytes=-" + "9" * 5000, 206, "bytes 0-{last}/{size}"),
        ("bytes=0-" + "9" * 5000, 206, "bytes 0-{last}/{size}"),
        ("bytes=1-1", 206, "bytes 1-1/{size}"),
        # Digits of another script are no HTTP number: the header is ignored.
        ("bytes=\u0661-", 200, None),
        ("bytes=abc", 200, None),
    ],
)
def test_ranges_are_answered_as_http_says(demo, member_client, header, status, content_range):
    url = files(demo)["rendition"]
    size = len(read(member_client.get(url)))
    response = member_client.get(url, HTTP_RANGE=header)
    assert response.status_code == status
    assert response.get("Content-Range") == (
        content_range and content_range.format(size=size, last=size - 1)
    )
    read(response)


def test_if_range_sends_the_whole_file_unless_it_names_these_bytes(demo, member_client):
    """RFC 9110 §13.1.5: a client resuming a download sends the ETag of what it has; if the
    file is not that one any more, a range of it would splice two files together."""
    url = files(demo)["rendition"]
    whole = member_client.get(url)
    etag, size = whole["ETag"], len(read(whole))

    def answer(if_range):
        response = member_client.get(url, HTTP_RANGE="bytes=0-0", HTTP_IF_RANGE=if_range)
        return response.status_code, len(read(response))

    assert answer(etag) == (206, 1)
    # Another tag, a weak one (never equal by strong comparison), a date (these files have
    # no Last-Modified to match it), or garbage: the whole file.
    for other in ('"another"', f"W/{etag}", "Fri, 27 Nov 2026 12:00:00 GMT", "garbage"):
        assert answer(other) == (200, size), other


def slide_image(deck, number: int, width: int, suffix: str) -> tuple[str, str]:
    """(URL, storage name) of one of the deck's slide images, made or not."""
    name = deck_service.slide_image_name(deck, number, width, suffix)
    return f"/decks/{deck.pk}/files/{name}", deck_service.derived_name(deck, name)


def test_only_the_slide_image_format_the_site_makes_is_made_on_request(demo, member_client):
    jpg_url, jpg_name = slide_image(demo["deck"], 3, 1920, ".jpg")  # the site makes JPEG
    default_storage.delete(jpg_name)  # 1920 px is made on first request
    webp_url = jpg_url.removesuffix(".jpg") + ".webp"
    assert member_client.get(webp_url).status_code == 404
    assert not default_storage.exists(jpg_name)  # and nothing was rendered for it
    made = member_client.get(jpg_url)
    assert made.status_code == 200 and made["Content-Type"] == "image/jpeg"
    assert read(made)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("width", ["9" * 5000, "01920", "99999"])
def test_slide_images_of_no_width_the_site_makes_are_not_there(demo, member_client, width):
    url, _name = slide_image(demo["deck"], 1, width, ".jpg")
    assert member_client.get(url).status_code == 404


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
