"""Object storage (ELEARN_STORAGE=s3): uploads, conversions and protected files against an
S3-compatible server the tests start (moto in server mode, on 127.0.0.1).

Decks and videos go in through the admin as trainers upload them, are converted from the
bucket and written back to it with nothing landing on local disk; members allowed to see a
file get a redirect to a short-lived signed URL, everyone else a 404 and no URL.
"""

import logging
import urllib.request
import uuid
from email.message import Message
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import deck_service
from courses.models import LecturePage, LectureVideo, SlideDeck
from elearn.settings.base import s3_media_storage
from tests.conftest import client_for
from tests.conversion.conftest import build_feature_deck
from tests.test_settings import manage
from tests.test_videos import make_video

pytestmark = pytest.mark.slow  # LibreOffice and ffmpeg run here; CI runs every test

REGION = "us-east-1"
KEYS = {"access_key": "testing", "secret_key": "testing"}  # moto accepts any


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3-compatible server for this module, on a free port of 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    # One log line per request would bury a failure's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Bucket:
    """The test's bucket, read with boto3 behind the application's back."""

    def __init__(self, endpoint: str, name: str):
        import boto3

        self.endpoint, self.name = endpoint, name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=KEYS["access_key"],
            aws_secret_access_key=KEYS["secret_key"],
        )
        self.client.create_bucket(Bucket=name)

    def keys(self, prefix: str = "") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def storage_for(bucket: Bucket) -> dict:
    """The STORAGES entry ``ELEARN_STORAGE=s3`` makes, for the test's bucket on moto."""
    return s3_media_storage(
        {
            "AWS_STORAGE_BUCKET_NAME": bucket.name,
            "AWS_S3_ENDPOINT_URL": bucket.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": KEYS["access_key"],
            "AWS_SECRET_ACCESS_KEY": KEYS["secret_key"],
            "AWS_S3_ADDRESSING_STYLE": "path",
        }
    )


@pytest.fixture
def bucket(demo, settings, s3_endpoint, tmp_path) -> Bucket:
    """Media on a fresh bucket, as ``ELEARN_STORAGE=s3`` configures it (the demo site was
    built on local disk before). MEDIA_ROOT points at an empty folder that must stay empty.

    Assigning STORAGES fires Django's setting_changed, which drops the cached storages, so
    ``default_storage`` (and every FileField, Wagtail's included) is made again from it."""
    bucket = Bucket(s3_endpoint, f"elearn-{uuid.uuid4().hex[:12]}")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": storage_for(bucket)}
    yield bucket
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*")), (
        "files landed on local disk"
    )


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what a request queued after commit (the conversion, with immediate tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def add_lecture(demo, **fields) -> LecturePage:
    """A live lecture in the demo course, which the demo member is enrolled in."""
    lecture = LecturePage(**fields)
    demo["course"].add_child(instance=lecture)
    lecture.save_revision().publish()
    return lecture


def signed_redirect(response, bucket: Bucket, seconds: int) -> str:
    """The signed URL a permitted request was redirected to, checked for shape."""
    assert response.status_code == 302, response.status_code
    url = response["Location"]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == bucket.endpoint
    assert parts.path.startswith(f"/{bucket.name}/")
    query = parse_qs(parts.query)
    assert query["X-Amz-Signature"] and query["X-Amz-Expires"] == [str(seconds)]
    assert response["Cache-Control"] == "private, no-store"
    return url


def fetch(url: str, **headers) -> tuple[int, Message, bytes]:
    """GET from the object store as a browser would after the redirect."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own endpoint)
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return answer.status, answer.headers, answer.read()


@pytest.fixture
def s3_deck(demo, bucket, trainer_client, tmp_path, on_commit) -> SlideDeck:
    """A deck uploaded in the admin and converted, on the bucket."""
    path = build_feature_deck(tmp_path / "fire-safety.pptx")
    with on_commit():
        response = trainer_client.post(
            "/admin/snippets/courses/slidedeck/add/",
            {
                "title": "fire-safety",
                "file": SimpleUploadedFile(path.name, path.read_bytes()),
                "collection": 1,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    deck = SlideDeck.objects.get(title="fire-safety")
    assert deck.status == SlideDeck.Status.READY, deck.error_message
    return deck


def test_a_deck_is_converted_from_the_bucket_into_the_bucket(s3_deck, bucket, settings):
    deck = s3_deck
    keys = bucket.keys()
    assert deck.file.name in keys and deck.file.name.endswith("fire-safety.pptx")
    assert deck.pdf.name in keys and bucket.read(deck.pdf.name)[:5] == b"%PDF-"
    for slide in deck.slides.all():
        for width in settings.ELEARN_SLIDE_EAGER_WIDTHS:
            assert deck_service.derived_name(deck, slide.images[str(width)]) in keys
        assert deck_service.derived_name(deck, slide.thumbnail) in keys
    # The object is private: a URL without a signature is refused.
    acl = bucket.client.get_object_acl(Bucket=bucket.name, Key=deck.pdf.name)
    assert not [g for g in acl["Grants"] if g["Grantee"].get("URI", "").endswith("AllUsers")]


def test_members_are_redirected_to_signed_urls_and_strangers_get_nothing(
    s3_deck, bucket, demo, member_client, settings
):
    lecture = add_lecture(demo, title="Fire safety", slug="fire-safety", deck=s3_deck)
    slide = s3_deck.slides.get(number=1)
    seconds = settings.ELEARN_SIGNED_URL_SECONDS

    url = signed_redirect(member_client.get(slide.image_url(480)), bucket, seconds)
    status, headers, body = fetch(url)
    key = deck_service.derived_name(s3_deck, slide.images["480"])
    assert status == 200 and body == bucket.read(key) and body[:3] == b"\xff\xd8\xff"
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == "private, max-age=3600"
    # Range requests (seeking, PDF viewers) go straight to the object store.
    status, headers, part = fetch(url, Range="bytes=10-19")
    assert status == 206 and part == body[10:20]

    # The deck PDF keeps its download name and is shown inline.
    status, headers, body = fetch(
        signed_redirect(member_client.get(s3_deck.pdf_url), bucket, seconds)
    )
    assert body[:5] == b"%PDF-" and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'inline; filename="fire-safety.pptx.pdf"'

    # A width left for later is made from the PDF in the bucket on first request.
    lazy = slide.image_url(1920)
    status, _headers, body = fetch(signed_redirect(member_client.get(lazy), bucket, seconds))
    assert body[:3] == b"\xff\xd8\xff"
    assert deck_service.derived_name(s3_deck, slide.images["1920"]) in bucket.keys()

    # The page's Content-Security-Policy lets images and videos load from the bucket.
    policy = member_client.get(lecture.url)["Content-Security-Policy"]
    assert f"img-src 'self' data: blob: {bucket.endpoint};" in policy
    assert f"media-src 'self' data: blob: {bucket.endpoint};" in policy

    # People who may not see the files learn nothing, not even a URL.
    assert not lecture.preview
    for stranger in (client_for("visitor", demo), member_client_of_other_course(demo)):
        for target in (slide.image_url(480), s3_deck.pdf_url, lazy):
            answer = stranger.get(target)
            assert answer.status_code == 404 and "Location" not in answer
            assert bucket.endpoint.encode() not in answer.content


def member_client_of_other_course(demo):
    """A signed-in member who is not enrolled in the demo course."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_user("outsider", "outsider@example.com", "x")
    client = Client()
    client.force_login(user)
    return client


def test_stream_mode_sends_the_bucket_s_bytes_through_django(
    s3_deck, bucket, demo, member_client, settings
):
    settings.ELEARN_PROTECTED_FILES = "stream"
    add_lecture(demo, title="Fire safety", slug="fire-safety", deck=s3_deck)
    slide = s3_deck.slides.get(number=1)
    answer = member_client.get(slide.image_url(480), HTTP_RANGE="bytes=0-9")
    assert answer.status_code == 206 and answer["X-Content-Type-Options"] == "nosniff"
    key = deck_service.derived_name(s3_deck, slide.images["480"])
    assert b"".join(answer.streaming_content) == bucket.read(key)[:10]


def test_deleting_a_deck_empties_its_folders_in_the_bucket(s3_deck, bucket, on_commit):
    prefix = f"decks/derived/{s3_deck.pk}/"
    original = s3_deck.file.name
    assert bucket.keys(prefix) and original in bucket.keys()
    with on_commit():
        s3_deck.delete()
    assert not bucket.keys(prefix) and original not in bucket.keys()


def test_a_video_is_made_web_ready_in_the_bucket_and_played_from_it(
    demo, bucket, trainer_client, member_client, tmp_path, on_commit, settings
):
    path = make_video(tmp_path / "talk.mp4")
    with on_commit():
        response = trainer_client.post(
            "/admin/snippets/courses/lecturevideo/add/",
            {
                "title": "talk",
                "file": SimpleUploadedFile(path.name, path.read_bytes()),
                "collection": 1,
                "captions-TOTAL_FORMS": "0",
                "captions-INITIAL_FORMS": "0",
                "captions-MIN_NUM_FORMS": "0",
                "captions-MAX_NUM_FORMS": "1000",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    video = LectureVideo.objects.get(title="talk")
    assert video.status == LectureVideo.Status.READY, video.error_message
    (web,) = video.renditions.all()
    prefix = f"videos/derived/{video.pk}/"
    keys = bucket.keys(prefix)
    for relative in (web.file, video.poster, video.storyboard_vtt):
        assert prefix + relative in keys
    assert video.file.name in bucket.keys("videos/originals/")

    add_lecture(demo, title="Talk", slug="talk", video=video)
    # The signed URL outlives the lecture: a player may keep asking it for ranges.
    seconds = settings.ELEARN_SIGNED_URL_SECONDS + int(2 * video.duration)
    status, headers, body = fetch(signed_redirect(member_client.get(web.url), bucket, seconds))
    assert body == bucket.read(prefix + web.file) and headers["Content-Type"] == "video/mp4"
    assert body[4:8] == b"ftyp"
    # The storyboard is read by script and <track>: Django sends it, same origin, no CORS.
    board = member_client.get(video.storyboard_url)
    assert board.status_code == 200 and board["Content-Type"] == "text/vtt"
    assert b"".join(board.streaming_content).startswith(b"WEBVTT")
    assert client_for("visitor", demo).get(web.url).status_code == 404


def test_a_member_s_handout_is_built_from_the_bucket_and_kept_there(
    s3_deck, bucket, demo, member_client, settings
):
    lecture = add_lecture(
        demo, title="Fire safety", slug="fire-safety", deck=s3_deck, handout_layout="2"
    )
    url = lecture.url + "handout/"
    first = signed_redirect(member_client.get(url), bucket, settings.ELEARN_SIGNED_URL_SECONDS)
    status, headers, body = fetch(first)
    assert body[:5] == b"%PDF-" and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'inline; filename="fire-safety-handout.pdf"'
    handouts = bucket.keys("handouts/")
    assert len(handouts) == 1
    # Asked again, the stored handout is found by its digest: nothing is built or added.
    signed_redirect(member_client.get(url), bucket, settings.ELEARN_SIGNED_URL_SECONDS)
    assert bucket.keys("handouts/") == handouts


def test_an_unsigned_url_is_refused_by_a_private_bucket(s3_deck, bucket):
    """What the signature is for: the objects are private, so an anonymous read fails."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError

    anonymous = boto3.client(
        "s3",
        endpoint_url=bucket.endpoint,
        region_name=REGION,
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError) as refused:
        anonymous.get_object(Bucket=bucket.name, Key=s3_deck.pdf.name)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_tools_get_the_file_itself_on_local_disk_and_a_download_from_a_bucket(
    demo, settings, s3_endpoint, tmp_path
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from courses.storage_files import LocalFiles, local_copy

    name = default_storage.save("tests/notes.txt", ContentFile(b"on disk"))
    with local_copy(name) as path:  # no copy: decks and videos can be gigabytes
        assert path == Path(settings.MEDIA_ROOT) / name
    assert LocalFiles(tmp_path).path(name) == path
    default_storage.delete(name)

    bucket = Bucket(s3_endpoint, f"elearn-{uuid.uuid4().hex[:12]}")
    settings.STORAGES = {**settings.STORAGES, "default": storage_for(bucket)}
    name = default_storage.save("tests/notes.txt", ContentFile(b"in the bucket"))
    with local_copy(name) as path:
        assert path.read_bytes() == b"in the bucket" and path.suffix == ".txt"
    assert not path.exists()  # temporary downloads are removed
    files = LocalFiles(tmp_path / "work", lazy=True)
    target = files.path(name)
    assert not target.exists() and files.storage_name(target) == name
    files.fetch()
    assert target.read_bytes() == b"in the bucket"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "django.core.files.storage.FileSystemStorage"),
        (
            {
                "ELEARN_STORAGE": "s3",
                "AWS_STORAGE_BUCKET_NAME": "elearn-media",
                "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
                "AWS_S3_ADDRESSING_STYLE": "path",
                "ELEARN_SIGNED_URL_SECONDS": "120",
            },
            "storages.backends.s3.S3Storage elearn-media http://127.0.0.1:9000 path private 3600 False 120",
        ),
    ],
)
def test_the_storage_is_switched_by_the_environment(env, expected):
    code = (
        "from django.conf import settings as s; d = s.STORAGES['default']; o = d.get('OPTIONS', {});"
        "print(d['BACKEND'], *([o['bucket_name'], o['endpoint_url'], o['addressing_style'],"
        " o['default_acl'], o['querystring_expire'], o['file_overwrite'],"
        " s.ELEARN_SIGNED_URL_SECONDS] if o else []))"
    )
    result = manage(
        "shell", "-c", code, env={"DJANGO_SETTINGS_MODULE": "elearn.settings.dev", **env}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_s3_without_a_bucket_refuses_to_start():
    result = manage(
        "check", env={"DJANGO_SETTINGS_MODULE": "elearn.settings.dev", "ELEARN_STORAGE": "s3"}
    )
    assert result.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in result.stderr
