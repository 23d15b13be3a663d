"""A deck that members already see, given a new file or converted again: they keep its
slides (text, images, PDF) until the new ones are complete, and keep them for good when the
new file fails, which the admin and the failure email say. Also what a trainer reads when a
password-protected legacy .ppt cannot be opened even with its password."""

from pathlib import Path

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from pptx import Presentation

from courses import conversion, deck_service
from courses.conversion import pipeline
from courses.decks import create_deck
from courses.models import LecturePage, SlideDeck
from tests.conversion.conftest import build_feature_deck
from tests.test_failed_files import edit, lecture_form

pytestmark = pytest.mark.slow  # LibreOffice converts every deck here

SHOWN = "Extinguishers"  # on slide 2 of the feature deck members see


@pytest.fixture
def live(demo, tmp_path):
    """A converted deck of its own (replacing it deletes files a rollback does not bring back)
    shown by a live lecture of the demo course, which the demo member takes."""
    deck = deck_service.convert(
        create_deck(
            build_feature_deck(tmp_path / "fire-safety.pptx"),
            title="Fire safety",
            user=demo["users"]["trainer"],
        )
    )
    assert deck.status == SlideDeck.Status.READY, deck.error_message
    lecture = LecturePage(title="Fire safety", slug="fire-safety", deck=deck)
    demo["course"].add_child(instance=lecture)
    lecture.save_revision().publish()
    return deck, LecturePage.objects.get(pk=lecture.pk)


def replace_file(client, deck, path: Path, capture, **extra):
    """Choose another file under "Change" on the deck's edit page and save; the conversion it
    queues runs when the form commits, as a worker would run it."""
    data = {
        "title": deck.title,
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        "collection": deck.collection_id,
        **extra,
    }
    with capture(execute=True):
        response = client.post(f"/admin/snippets/courses/slidedeck/edit/{deck.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    deck.refresh_from_db()
    return deck


def assert_members_see(client, lecture, slide) -> None:
    """The member's slide page shows ``slide`` with its picture, and the picture is served."""
    response = client.get(f"{lecture.url}slides/{slide.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="{slide.src}"' in html and slide.title in html
    assert "still being prepared" not in html and "not available" not in html
    assert client.get(slide.src).status_code == 200
    assert client.get(slide.thumbnail_url).status_code == 200


def stored(deck, relative: str) -> bool:
    return default_storage.exists(deck_service.derived_name(deck, relative))


def folders(deck) -> list[str]:
    """The conversions whose files the deck keeps, by folder."""
    return default_storage.listdir(f"decks/derived/{deck.pk}")[0]


def folder_of(deck) -> str:
    """The folder of the conversion members see (its PDF is stored there)."""
    return deck.pdf.name.split("/")[3]


def watch_while_rendering(monkeypatch, client, deck, lecture) -> list[dict]:
    """What members get while LibreOffice renders the new slides (the text already read):
    each visible slide's page, whether it shows the slide's current picture, and that
    picture; filled in when the conversion gets there."""
    before = [slide for slide in deck.slides.all() if not slide.hidden]
    seen = []
    real_render = pipeline.render

    def render(*args, **kwargs):
        deck.refresh_from_db()
        pages = [client.get(f"{lecture.url}slides/{s.number}/") for s in before]
        seen.append(
            {
                "status": deck.status,
                "slides": deck.slides.count(),
                "pages": [page.status_code for page in pages],
                "pictures": [
                    f'src="{s.src}"' in p.content.decode()
                    for s, p in zip(before, pages, strict=True)
                ],
                "served": [client.get(s.src).status_code for s in before],
            }
        )
        return real_render(*args, **kwargs)

    monkeypatch.setattr(pipeline, "render", render)
    return seen


# The feature deck's three visible slides, whole, while the new ones are made.
UNCHANGED = {
    "status": SlideDeck.Status.PROCESSING,
    "slides": 4,
    "pages": [200] * 3,
    "pictures": [True] * 3,
    "served": [200] * 3,
}


def test_a_new_file_that_fails_leaves_members_the_previous_slides(
    member_client, trainer_client, demo, live, corpus_dir, django_capture_on_commit_callbacks
):
    deck, lecture = live
    slides = {s.number: s for s in deck.slides.all()}
    before = list(deck.slides.values_list("pk", "images", "thumbnail", "text"))
    old_pdf = deck.pdf.name
    assert_members_see(member_client, lecture, slides[2])
    mail.outbox.clear()

    # Password-protected, no password typed: the form keeps it, the conversion fails.
    locked = corpus_dir / "pptx" / "ox-encrypted_pptx.pptx"
    deck = replace_file(trainer_client, deck, locked, django_capture_on_commit_callbacks)
    assert deck.status == SlideDeck.Status.FAILED and deck.error_code == "encrypted"

    # Members go on with the last good version: rows, text, images, PDF, all untouched.
    assert list(deck.slides.values_list("pk", "images", "thumbnail", "text")) == before
    assert deck.slide_count == 4 and deck.pdf.name == old_pdf and default_storage.exists(old_pdf)
    for slide in slides.values():
        assert all(stored(deck, name) for name in [*slide.images.values()][:2])
    assert_members_see(member_client, lecture, slides[2])
    assert SHOWN in member_client.get(f"{lecture.url}slides/2/").content.decode()
    html = member_client.get(lecture.url).content.decode()
    assert "Slide 1 of 3" in html  # one of the four is hidden
    assert lecture.slides_text() and "Know your exits" in lecture.slides_text()

    # The trainer is told the new file failed and members still see the previous slides.
    page = trainer_client.get(f"/admin/snippets/courses/slidedeck/edit/{deck.pk}/").content
    page = page.decode()
    assert "password-protected" in page
    assert "The new file could not be converted. Members still see the previous version" in page
    assert "failed after" in page and "converted in" not in page
    preview = trainer_client.get(f"/admin/decks/{deck.pk}/preview/").content.decode()
    assert "Members still see the previous version" in preview and "Know your exits" in preview
    listing = trainer_client.get("/admin/snippets/courses/slidedeck/").content.decode()
    assert "Members still see the previous version" in listing

    # The email says what members see now: the previous slides, not a lecture without them.
    trainer = demo["users"]["trainer"]
    [email] = [email for email in mail.outbox if email.to == [trainer.email]]
    assert "Members still see the previous slides in these lectures" in email.body
    assert "without their slides" not in email.body
    assert f"- {lecture.title} ({lecture.course.title})" in email.body

    # Whoever edits the lecture meanwhile may still publish it: its slides are there.
    lecture_page = LecturePage.objects.get(pk=lecture.pk)
    response = edit(trainer_client, lecture_page, lecture_form(lecture_page, "action-publish"))
    assert response.status_code == 302, response.content.decode()[:3000]


def test_a_new_file_that_converts_replaces_the_slides_and_their_files(
    member_client, trainer_client, live, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    deck, lecture = live
    old = deck.slides.get(number=2)
    old_folder = folder_of(deck)
    prs = Presentation()
    for title in ("Evacuation plan", "Assembly point"):
        prs.slides.add_slide(prs.slide_layouts[5]).shapes.title.text = title
    prs.save(tmp_path / "evacuation.pptx")
    seen = watch_while_rendering(monkeypatch, member_client, deck, lecture)

    deck = replace_file(
        trainer_client, deck, tmp_path / "evacuation.pptx", django_capture_on_commit_callbacks
    )
    assert deck.status == SlideDeck.Status.READY, deck.error_message
    assert seen == [UNCHANGED]  # the old slides, until the new ones were all made
    assert deck.slide_count == 2 and deck.converted_hash == deck.file_hash
    assert list(deck.slides.values_list("title", flat=True)) == [
        "Evacuation plan",
        "Assembly point",
    ]
    new = deck.slides.get(number=2)
    assert_members_see(member_client, lecture, new)
    assert SHOWN not in member_client.get(f"{lecture.url}slides/2/").content.decode()
    assert member_client.get(f"{lecture.url}slides/3/").status_code == 404
    assert member_client.get(old.src).status_code == 404
    # The old version's files are gone once the new slides are committed; only one is left.
    assert not stored(deck, old.images["480"]) and not stored(deck, old.thumbnail)
    assert folders(deck) == [folder_of(deck)] != [old_folder]
    page = trainer_client.get(f"/admin/snippets/courses/slidedeck/edit/{deck.pk}/").content
    assert b"converted in" in page and b"Members still see" not in page


def test_converting_again_keeps_the_slides_and_images_until_the_new_ones_are_stored(
    member_client, trainer_client, live, monkeypatch, django_capture_on_commit_callbacks
):
    """Seen from inside the conversion, after the text was read and while LibreOffice
    renders: members get the current slides with their pictures throughout."""
    deck, lecture = live
    before = {s.number: s for s in deck.slides.all()}
    seen = watch_while_rendering(monkeypatch, member_client, deck, lecture)
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post(f"/admin/decks/{deck.pk}/convert/")
    assert response.status_code == 302
    assert seen == [UNCHANGED]
    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.READY and deck.slide_count == 4
    after = {s.number: s for s in deck.slides.all()}
    assert set(after) == set(before)
    # New rows and a folder of their own, the same file notwithstanding; the old one is gone.
    assert before[2].images["480"] != after[2].images["480"]
    assert_members_see(member_client, lecture, after[2])
    assert not stored(deck, before[2].images["480"])
    assert folders(deck) == [folder_of(deck)]


@pytest.mark.parametrize("where", ["render", "store"])
def test_a_conversion_failing_midway_leaves_the_previous_slides_whole(
    member_client, live, monkeypatch, where
):
    """LibreOffice failing, or storage failing with half the new images stored: members see
    the previous slides, none of the new, and the half-made files are removed."""
    deck, lecture = live
    before = list(deck.slides.values_list("pk", "images", "thumbnail"))
    shown = folder_of(deck)
    if where == "render":

        def broken(*args, **kwargs):
            raise conversion.CorruptFile(detail="test: LibreOffice gave up")

        monkeypatch.setattr(pipeline, "render", broken)
    else:
        real_store = deck_service.store

        def broken(local, name):
            if "/slides/0003-" in name:
                raise OSError("test: the disk is full")
            return real_store(local, name)

        monkeypatch.setattr(deck_service, "store", broken)
    deck = deck_service.convert(deck, force=True)
    assert deck.status == SlideDeck.Status.FAILED
    assert list(deck.slides.values_list("pk", "images", "thumbnail")) == before
    assert deck.previous_version_notice.startswith("Converting again failed.")
    assert_members_see(member_client, lecture, deck.slides.get(number=2))
    assert folders(deck) == [shown]


def test_a_protected_legacy_ppt_says_it_cannot_be_opened_even_with_its_password(
    trainer_client, demo, corpus_dir, django_capture_on_commit_callbacks
):
    """The form removes the password; LibreOffice then cannot load the .ppt. The trainer is
    told so, not that the file is damaged, and the time reads as a failure's."""
    path = corpus_dir / "pptx" / "poi-ppt_with_png_encrypted.ppt"
    data = {
        "title": "Protected ppt",
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        "collection": 1,
        "password": "password",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post("/admin/snippets/courses/slidedeck/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    deck = SlideDeck.objects.get(title="Protected ppt")
    assert deck.decrypted_file  # the form did remove the password
    assert deck.status == SlideDeck.Status.FAILED and deck.error_code == "encrypted"
    assert "cannot be opened here even with its password" in deck.error_message
    page = trainer_client.get(f"/admin/snippets/courses/slidedeck/edit/{deck.pk}/").content
    page = page.decode()
    assert "cannot be opened here even with its password" in page
    assert "LibreOffice could not open" not in page
    assert "failed after" in page and "converted in" not in page


def _newer_file(deck, tmp_path) -> str:
    """Give the deck a different file, as the edit form does; returns the new file's hash."""
    from django.core.files import File

    from courses.models.slides import file_sha256

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Evacuation routes"
    path = tmp_path / "evacuation.pptx"
    prs.save(path)
    row = SlideDeck.objects.get(pk=deck.pk)
    with path.open("rb") as fh:
        row.file.save(path.name, File(fh), save=False)
    row.file_hash = file_sha256(row.file)
    row.file_size = path.stat().st_size
    row.save()
    return row.file_hash


@pytest.mark.parametrize("older_run_ends", ["converted", "failed"])
def test_an_older_conversion_ending_last_leaves_the_newer_files_slides(
    live, tmp_path, monkeypatch, django_capture_on_commit_callbacks, older_run_ends
):
    """A trainer converts again, then uploads a corrected file while that runs; the corrected
    file's conversion ends first. The older run, ending after it, changes nothing: members
    see the corrected slides, the deck is ready, its files are the corrected file's."""
    deck, lecture = live
    real = conversion.convert_deck
    newer = {}

    def interleaved(*args, **kwargs):
        result = real(*args, **kwargs)
        if not newer:  # the older run, midway: the newer file converts start to finish
            newer["hash"] = _newer_file(deck, tmp_path)
            newer["deck"] = deck_service.convert(SlideDeck.objects.get(pk=deck.pk), force=True)
            if older_run_ends == "failed":
                raise conversion.CorruptFile(detail="the older run fails after the newer")
        return result

    monkeypatch.setattr(conversion, "convert_deck", interleaved)
    with django_capture_on_commit_callbacks(execute=True):
        deck_service.convert(deck, force=True)
    deck.refresh_from_db()
    assert newer["deck"].status == SlideDeck.Status.READY
    assert deck.status == SlideDeck.Status.READY and deck.error_message == ""
    assert deck.converted_hash == newer["hash"]
    assert [s.title for s in deck.slides.all()] == ["Evacuation routes"]
    assert folders(deck) == [deck_service.shown_folder(deck)], "only the newer file's files"
    assert default_storage.exists(deck.pdf.name) and deck.pdf.name.endswith("deck.pdf")


def test_saving_a_title_keeps_a_conversion_that_ended_while_the_form_was_open(demo, tmp_path):
    """The trainer opened the edit form while the deck converted, and saves a new title after
    it finished: the status, files and counts the conversion wrote stay."""
    from courses.wagtail_hooks import SlideDeckViewSet

    deck = create_deck(build_feature_deck(tmp_path / "fire.pptx"), title="Fire")
    deck.mark(SlideDeck.Status.PROCESSING)
    form_class = SlideDeckViewSet.edit_handler.bind_to_model(SlideDeck).get_form_class()
    form = form_class(
        {"title": "Fire safety", "collection": deck.collection_id},
        instance=SlideDeck.objects.get(pk=deck.pk),
        for_user=demo["users"]["trainer"],
    )
    assert form.is_valid(), form.errors
    deck.mark(  # the conversion ends now, in the worker
        SlideDeck.Status.READY,
        slide_count=4,
        converted_hash=deck.file_hash,
        pdf=f"decks/derived/{deck.pk}/0123456789abcdef/deck.pdf",
    )
    form.save()
    deck.refresh_from_db()
    assert deck.title == "Fire safety"
    assert (deck.status, deck.slide_count) == (SlideDeck.Status.READY, 4)
    assert deck.converted_hash == deck.file_hash and deck.pdf.name.endswith("/deck.pdf")
