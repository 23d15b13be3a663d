"""Slide decks as trainers and members meet them: upload in the admin, the conversion task,
import_deck, the lecture's deck viewer and slide pages, file serving, bad input."""

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from pptx import Presentation

from courses import deck_service
from courses.decks import create_deck
from courses.models import LecturePage, Slide, SlideDeck
from courses.tasks import recover_stale_decks
from tests.conversion.conftest import build_feature_deck

pytestmark = pytest.mark.slow  # LibreOffice runs in most of these


@pytest.fixture
def client(member_client):
    """Lessons open to enrolled members: the demo member takes the demo course."""
    return member_client


@pytest.fixture
def feature_deck(tmp_path) -> Path:
    """Four slides: bullets and a link, a table and a picture, a hidden slide, Chinese text."""
    return build_feature_deck(tmp_path / "fire-safety.pptx")


@pytest.fixture
def lecture(demo):
    return demo["slides_lecture"]


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Post a file to the admin's add form; the queued conversion runs when the form commits."""

    def post(client, path: Path, **extra):
        data = {
            "title": path.stem,
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
            "collection": 1,
            **extra,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/admin/snippets/courses/slidedeck/add/", data)

    return post


def test_trainer_uploads_a_deck_and_it_is_converted(trainer_client, demo, feature_deck, upload):
    response = upload(trainer_client, feature_deck)
    assert response.status_code == 302, response.content.decode()[:2000]
    deck = SlideDeck.objects.get(title="fire-safety")
    assert deck.status == SlideDeck.Status.READY, deck.error_message
    assert deck.slide_count == 4
    assert deck.uploaded_by_user == demo["users"]["trainer"]
    assert deck.file_size == feature_deck.stat().st_size and len(deck.file_hash) == 64
    assert deck.source_format == "pptx" and deck.pdf.name.endswith("deck.pdf")
    slides = list(deck.slides.all())
    assert [s.number for s in slides] == [1, 2, 3, 4]
    assert [s.hidden for s in slides] == [False, False, True, False]
    assert slides[0].title == "Fire safety basics"
    assert slides[0].content["paragraphs"][:3] == [
        [0, "Know your exits"],
        [1, "Two ways out of every room"],
        [2, "Keep corridors clear"],
    ]
    assert slides[0].content["links"] == [{"text": "Guidance", "url": "https://example.org/fire"}]
    assert slides[0].notes == "Ask who has used an extinguisher."
    assert slides[0].advance_after_ms == 5000
    assert slides[1].content["tables"][0][0] == ["Type", "Use on"]
    assert slides[1].content["alt_texts"]
    assert "消防" in slides[3].text or any("\u4e00" <= ch <= "\u9fff" for ch in slides[3].text)
    for slide in slides:
        assert set(slide.images) == {"480", "960", "1920"} and slide.thumbnail
        assert slide.image_width == 1920


def test_admin_listing_shows_status_count_size_and_uploader(admin_client_demo, demo):
    html = admin_client_demo.get("/admin/snippets/courses/slidedeck/").content.decode()
    assert "Digital office basics (demo deck)" in html
    assert 'data-deck-status="ready"' in html
    assert re.search(r"<td >\s*14\s*</td>", html)  # slides
    assert "Tom Trainer" in html and "KB" in html
    assert "Preview" in html and "Convert again" in html


def test_admin_preview_and_convert_again(trainer_client, demo, django_capture_on_commit_callbacks):
    deck = demo["deck"]
    preview = trainer_client.get(f"/admin/decks/{deck.pk}/preview/")
    assert preview.status_code == 200
    assert (
        "Trainer&#x27;s spare slide" in preview.content.decode()
        or "Trainer's spare slide" in preview.content.decode()
    )
    # Converting again deletes the old files once committed, which a rollback does not bring
    # back: a copy of the demo deck of its own, so other tests keep the demo's files.
    deck = deck_service.convert(create_deck(deck.file.path, title="Demo deck (copy)"))
    assert trainer_client.get(f"/admin/decks/{deck.pk}/convert/").status_code == 200
    before = set(deck.slides.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post(f"/admin/decks/{deck.pk}/convert/")
    assert response.status_code == 302
    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.READY and deck.slide_count == 14
    assert before.isdisjoint(deck.slides.values_list("pk", flat=True)), "slides were rebuilt"
    assert deck.slides.count() == 14


def test_members_cannot_reach_the_deck_admin(member_client, demo):
    deck = demo["deck"]
    assert member_client.get(f"/admin/decks/{deck.pk}/preview/").status_code in (302, 403)
    assert member_client.post(f"/admin/decks/{deck.pk}/convert/").status_code in (302, 403)


def test_converting_the_same_file_twice_changes_nothing(demo):
    deck = demo["deck"]
    slides = list(deck.slides.values_list("pk", "images"))
    deck_service.convert(deck)
    assert list(deck.slides.values_list("pk", "images")) == slides


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"just some text, not slides", "notes.pptx", "not a presentation"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "picture.pptx", "not a presentation"),
    ],
)
def test_admin_refuses_a_file_that_is_not_a_presentation(
    trainer_client, demo, tmp_path, content, name, message, upload
):
    path = tmp_path / name
    path.write_bytes(content)
    response = upload(trainer_client, path)
    assert response.status_code == 200
    assert message in response.content.decode().lower()
    assert not SlideDeck.objects.filter(title=path.stem).exists()


def test_a_zip_bomb_is_refused_before_unpacking(trainer_client, demo, tmp_path, settings, upload):
    settings.ELEARN_DECK_MAX_UNCOMPRESSED_MB = 50
    path = tmp_path / "bomb.pptx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("ppt/media/huge.bin", "w") as member:
            for _ in range(120):  # 120 MB of zeros: about 120 KB compressed
                member.write(bytes(1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    response = upload(trainer_client, path)
    assert response.status_code == 200
    assert "too large" in response.content.decode().lower()
    assert not SlideDeck.objects.filter(title="bomb").exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["This file is 1.5\xa0MB", "can be converted is 1.0\xa0MB"]),
        ("zh-hans", ["1.5\xa0MB", "1.0\xa0MB", "压缩"]),
    ],
)
def test_a_file_over_the_size_limit_is_refused_with_both_sizes(
    trainer_client, demo, tmp_path, settings, upload, language, words
):
    settings.ELEARN_DECK_MAX_FILE_MB = 1
    path = tmp_path / "big.pptx"
    path.write_bytes(os.urandom(1536 * 1024))
    trainer_client.cookies["django_language"] = language
    response = upload(trainer_client, path)
    assert response.status_code == 200
    page = response.content.decode()
    for word in words:
        assert word in page
    assert not SlideDeck.objects.filter(title="big").exists()


def test_a_truncated_deck_fails_with_a_clear_reason(demo, feature_deck, tmp_path):
    broken = tmp_path / "broken.pptx"
    broken.write_bytes(feature_deck.read_bytes()[: feature_deck.stat().st_size // 2])
    deck = deck_service.convert(create_deck(broken))
    assert deck.status == SlideDeck.Status.FAILED
    assert deck.error_code == "corrupt" and deck.error_message
    assert deck.slides.count() == 0
    assert deck.file.storage.exists(deck.file.name), "the original is kept"


def test_an_encrypted_deck_fails_then_converts_with_its_password(
    trainer_client, demo, corpus_dir, upload
):
    path = corpus_dir / "pptx" / "ox-encrypted_pptx.pptx"
    response = upload(trainer_client, path)
    assert response.status_code == 302
    deck = SlideDeck.objects.get(title=path.stem)
    assert deck.status == SlideDeck.Status.FAILED and deck.error_code == "encrypted"
    assert "password" in deck.error_message.lower()


def test_a_wrong_password_is_refused_in_the_form_and_never_stored(
    trainer_client, demo, tmp_path, upload
):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = build_feature_deck(tmp_path / "plain.pptx")
    secret = tmp_path / "secret.pptx"
    with plain.open("rb") as src, secret.open("wb") as dst:
        office = OOXMLFile(src)
        office.encrypt("s3cret-pw", dst)
    response = upload(trainer_client, secret, password="wrong")
    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    response = upload(trainer_client, secret, password="s3cret-pw")
    assert response.status_code == 302
    deck = SlideDeck.objects.get(title="secret")
    assert deck.status == SlideDeck.Status.READY, deck.error_message
    assert deck.slide_count == 4
    stored = [
        str(value) for value in SlideDeck.objects.filter(pk=deck.pk).values().first().values()
    ]
    assert not any("s3cret-pw" in value for value in stored)
    from django_tasks_db.models import DBTaskResult

    assert not any("s3cret-pw" in str(r.args_kwargs) for r in DBTaskResult.objects.all())


def test_import_deck_prints_one_line_per_file_and_fails_on_bad_ones(demo, feature_deck, tmp_path):
    bad = tmp_path / "bad.pptx"
    bad.write_text("not a deck")
    stdout = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_deck",
            str(feature_deck),
            str(bad),
            str(tmp_path / "missing.pptx"),
            "--collection",
            "Safety",
            "--tags",
            "fire",
            "safety",
            stdout=stdout,
        )
    assert failure.value.returncode == 1
    out = stdout.getvalue().splitlines()
    assert out[0].startswith(f"OK {feature_deck} 4 slides ") and out[0].endswith("s")
    assert out[1].startswith(f"FAILED {bad}: ")
    assert out[2].startswith(f"FAILED {tmp_path / 'missing.pptx'}: ")
    deck = SlideDeck.objects.get(title="fire-safety")
    assert deck.collection.name == "Safety"
    assert set(deck.tags.names()) == {"fire", "safety"}


def test_import_deck_exit_code_is_zero_when_all_succeed(demo, feature_deck):
    stdout = io.StringIO()
    call_command("import_deck", str(feature_deck), stdout=stdout)
    assert stdout.getvalue().startswith("OK ")


def test_text_is_available_before_the_images(demo, feature_deck, client):
    """Save the text phase alone (as the task does first) and read the lecture."""
    from courses import conversion

    deck = create_deck(feature_deck, title="Text first")
    lecture = LecturePage(title="Text first lecture", slug="text-first", deck=deck)
    demo["course"].add_child(instance=lecture)
    lecture.save_revision().publish()
    with __import__("tempfile").TemporaryDirectory() as tmp:
        prepared = conversion.prepare(feature_deck, Path(tmp) / "w")
        content = conversion.extract_text(prepared, Path(tmp) / "m")
        deck_service.save_text(deck, content, Path(tmp) / "m")
    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.TEXT_READY
    html = client.get("/digital-office/text-first/").content.decode()
    assert "Fire safety basics" in html and "Know your exits" in html
    assert "still being prepared" in html
    slide_page = client.get("/digital-office/text-first/slides/2/").content.decode()
    assert "Extinguishers" in slide_page


def test_lecture_shows_the_viewer_and_the_text_of_visible_slides(client, lecture):
    html = client.get(lecture.url).content.decode()
    assert "data-deck-viewer" in html
    assert "Slide 1 of 13" in html  # 14 slides, one hidden
    assert 'srcset="/decks/' in html
    assert "Welcome · 欢迎" in html and "Speaker notes" in html
    assert ">Slide 2: Why go digital?" in html  # the slide's heading, its number and title
    zh = client.get(lecture.url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert ">第 2 张：Why go digital?" in zh
    assert "Trainer&#x27;s spare slide" not in html and "Trainer's spare slide" not in html


def test_trainers_see_hidden_slides_marked(trainer_client, lecture):
    html = trainer_client.get(lecture.url).content.decode()
    assert "Slide 1 of 14" in html
    assert "Trainer&#x27;s spare slide" in html
    assert trainer_client.get(lecture.url + "slides/11/").status_code == 200


def test_every_slide_is_its_own_page(client, lecture):
    response = client.get(lecture.url + "slides/3/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Slide 3: What is e-government? 什么是电子政务</h1>" in html
    assert "Public services online" in html and "Use a local example" in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert "Slide 3 of 13" in html
    assert client.get(lecture.url + "slides/11/").status_code == 404  # hidden from members
    # After the hidden slide the counter gives the slide's own number and its place.
    after = client.get(lecture.url + "slides/12/").content.decode()
    assert "Slide 12 (11 of 13)" in after and "<h1>Slide 12:" in after
    zh = client.get(lecture.url + "slides/12/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "第 12 张幻灯片（第 11 张，共 13 张）" in zh
    assert client.get(lecture.url + "slides/99/").status_code == 404
    assert client.get(lecture.url + "slides/0/").status_code == 404


def test_slide_text_is_escaped(client, demo, tmp_path):
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "<script>alert('x')</script>"
    slide.placeholders[1].text_frame.text = "<img src=x onerror=alert(1)>"
    slide.notes_slide.notes_text_frame.text = "</p><script>bad()</script>"
    path = tmp_path / "xss.pptx"
    prs.save(path)
    deck = create_deck(path)
    deck_service.save_text(
        deck, __import__("courses.conversion", fromlist=["x"]).extract_deck(path), tmp_path
    )
    lecture = LecturePage(title="XSS", slug="xss", deck=deck)
    demo["course"].add_child(instance=lecture)
    lecture.save_revision().publish()
    html = client.get("/digital-office/xss/slides/1/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<script>bad()" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_slide_images_are_served_with_etag_and_nosniff(client, lecture):
    slide = lecture.deck.slides.get(number=1)
    response = client.get(slide.image_url(480))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp" or response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    again = client.get(slide.image_url(480), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_full_size_slide_image_is_made_on_first_request(client, lecture):
    slide = lecture.deck.slides.get(number=2)
    response = client.get(slide.image_url(1920))  # not made during conversion
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:3] == b"\xff\xd8\xff" or body[8:12] == b"WEBP"


def test_hidden_slide_images_and_unknown_files_are_not_served(client, trainer_client, lecture):
    hidden = lecture.deck.slides.get(number=11)
    assert client.get(hidden.image_url(480)).status_code == 404
    assert trainer_client.get(hidden.image_url(480)).status_code == 200
    deck_id = lecture.deck_id
    for name in [
        "../../../settings.py",
        "..%2F..%2Fdb.sqlite3",
        "nothing/here.webp",
        "/etc/passwd",
    ]:
        assert client.get(f"/decks/{deck_id}/files/{name}").status_code == 404


def test_a_deck_on_no_live_lecture_is_not_served_to_members(
    member_client, trainer_client, demo, feature_deck
):
    deck = deck_service.convert(create_deck(feature_deck))
    url = deck.slides.first().image_url(480)
    assert member_client.get(url).status_code == 404
    assert trainer_client.get(url).status_code == 200


def test_a_stuck_conversion_is_queued_again_then_failed(
    demo, feature_deck, settings, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    # A deck of its own: failing deletes derived files, which a rollback does not bring back.
    deck = deck_service.convert(create_deck(feature_deck))
    long_ago = timezone.now() - timezone.timedelta(hours=2)
    deck.mark(SlideDeck.Status.PROCESSING, processing_started_at=long_ago, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stale_decks() == [deck.pk]
    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.READY  # immediate tasks in tests: converted again
    deck.mark(
        SlideDeck.Status.PROCESSING,
        processing_started_at=long_ago,
        attempts=settings.ELEARN_DECK_MAX_ATTEMPTS,
    )
    recover_stale_decks()
    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.FAILED and deck.error_code == "stuck"


def test_lecture_search_index_holds_slide_text_and_notes(lecture):
    text = lecture.slides_text()
    assert "Public services online" in text and "强调每一步都要留痕" in text
    assert "Only shown when time allows" not in text
    assert "留痕" in text.split()  # a CJK bigram for search


def test_deleting_a_deck_keeps_the_lecture(lecture):
    lecture.deck.delete()
    lecture.refresh_from_db()
    assert lecture.deck is None
    assert Slide.objects.count() == 0 or not Slide.objects.filter(deck_id=None).exists()


def test_demo_deck_matches_the_brief(demo):
    deck = demo["deck"]
    assert deck.slide_count >= 12
    texts = " ".join(deck.slides.values_list("text", flat=True))
    assert "欢迎" in texts and "Welcome" in texts
    assert deck.slides.filter(hidden=True).count() == 1
    assert any(s.content.get("tables") for s in deck.slides.all())
    assert any(s.content.get("alt_texts") for s in deck.slides.all())
    assert deck.slides.exclude(notes="").count() >= 12


def test_deck_files_support_byte_ranges(client, lecture):
    media_url = lecture.deck.slides.get(number=1).image_url(480)
    whole = client.get(media_url)
    body = b"".join(whole.streaming_content)
    assert whole["Accept-Ranges"] == "bytes"
    part = client.get(media_url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-19/{len(body)}"
    assert b"".join(part.streaming_content) == body[10:20]
    tail = client.get(media_url, HTTP_RANGE="bytes=-5")
    assert b"".join(tail.streaming_content) == body[-5:]
    assert client.get(media_url, HTTP_RANGE=f"bytes={len(body) + 10}-").status_code == 416
    assert client.get(media_url, HTTP_RANGE="bytes=0-1,5-6").status_code == 200


def test_deleting_a_deck_removes_its_files_after_commit(
    demo, feature_deck, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    deck = deck_service.convert(create_deck(feature_deck))
    image = f"decks/derived/{deck.pk}/{deck.slides.first().images['480']}"
    original = deck.file.name
    assert default_storage.exists(image) and default_storage.exists(original)
    with django_capture_on_commit_callbacks(execute=True):
        deck.delete()
    assert not default_storage.exists(image) and not default_storage.exists(original)


@pytest.mark.parametrize("kind", ["slidedeck", "lecturevideo"])
def test_a_deck_or_video_inspect_page_reads_as_words_in_chinese(admin_client_demo, demo, kind):
    item = demo["deck"] if kind == "slidedeck" else demo["video"]
    url = f"/admin/snippets/courses/{kind}/inspect/{item.pk}/"
    html = admin_client_demo.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "大小" in html and item.size_display in html  # "52.4 KB", not bytes
    for internal in ("File hash", "Error code", "Attempts", "Decrypted file", "Storyboard"):
        assert internal not in html
    if kind == "lecturevideo":
        assert "分辨率" in html and item.duration_display in html


@pytest.mark.parametrize("kind", ["slidedeck", "lecturevideo"])
def test_a_failed_deck_or_video_inspect_page_reads_in_chinese_without_blanks(
    admin_client_demo, demo, kind
):
    """What a trainer reads in the Chinese admin about an upload that failed: the reason in
    Chinese, a dash for what processing never found, and who uploaded it by name."""
    from courses.conversion.errors import EncryptedFile
    from courses.conversion.video import NotAVideo

    item = demo["deck"] if kind == "slidedeck" else demo["video"]
    fields = {"status": "failed", "uploaded_by_user": demo["users"]["member"]}
    if kind == "slidedeck":
        fields |= {"error_message": EncryptedFile.default_message, "slide_count": None}
        fields["source_format"] = ""
    else:
        fields |= {"error_message": NotAVideo.default_message, "duration": None}
    type(item).objects.filter(pk=item.pk).update(**fields)
    url = f"/admin/snippets/courses/{kind}/inspect/{item.pk}/"
    html = admin_client_demo.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    expected = "此演示文稿受密码保护" if kind == "slidedeck" else "此文件不是视频"
    assert expected in html and "password-protected" not in html and "not a video" not in html
    values = re.findall(r"<dd[^>]*>\s*(.*?)\s*</dd>", html, re.S)
    assert values and "" not in values and "None" not in values
    assert "李明" in values and "member" not in values


@pytest.mark.parametrize("kind", ["slidedeck", "lecturevideo"])
def test_the_edit_form_names_the_file_without_its_storage_path(admin_client_demo, demo, kind):
    item = demo["deck"] if kind == "slidedeck" else demo["video"]
    stored = item.file.name
    assert "/" in stored
    html = admin_client_demo.get(
        f"/admin/snippets/courses/{kind}/edit/{item.pk}/", HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).content.decode()
    file_input = re.search(r'<input type="file" name="file"[^>]*>', html).group(0)
    assert "data-upload-progress" in file_input  # the upload still shows its progress
    assert f">{stored}<" not in html  # the link's text; its href may name the path
    assert f">{stored.rsplit('/', 1)[-1]}</a>" in html
