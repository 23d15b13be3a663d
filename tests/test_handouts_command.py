"""``manage.py print_handouts`` on the demo site: a lecture's slides, the whole course, and the
errors a trainer or script meets (unknown course, no deck, deck not converted)."""

import math
import zipfile

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import SlideDeck

pytestmark = pytest.mark.slow  # the demo deck is converted with LibreOffice


def texts(path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_bounded() for page in pdf]
    finally:
        pdf.close()


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("print_handouts", *args, stdout=out)
    return out.getvalue()


def test_lecture_slides_six_per_page(demo, tmp_path):
    lecture, deck = demo["slides_lecture"], demo["deck"]
    out = tmp_path / "lecture.pdf"
    printed = run("--lecture", str(lecture.pk), "--layout", "6", "--out", str(out))
    assert printed.startswith(f"OK {out} ")
    visible = deck.slides.filter(hidden=False)
    pages = texts(out)
    assert len(pages) == math.ceil(visible.count() / 6)
    assert "elearn demo society" in pages[0] and lecture.title in pages[0]
    assert "Trainer's spare slide" not in "\n".join(pages)
    with_hidden = tmp_path / "all.pdf"
    run(
        "--lecture", str(lecture.pk), "--layout", "6", "--include-hidden", "--out", str(with_hidden)
    )
    assert "Trainer's spare slide" in "\n".join(texts(with_hidden))


def test_course_set_with_cover_and_contents(demo, tmp_path):
    out = tmp_path / "course.pdf"
    run(
        "--course",
        "digital-office",
        "--layout",
        "3",
        "--paper",
        "letter",
        "--duplex",
        "--date",
        "2026-11-25",
        "--recipient",
        "North branch",
        "--out",
        str(out),
    )
    pages = texts(out)
    joined = "\n".join(pages)
    assert "加强机关信息化建设，提高工作效率" in pages[0] and "Tom Trainer" in pages[0]
    assert "North branch" in pages[0] and "2026-11-25" in pages[0]
    assert "Contents" in pages[2]  # duplex: the contents start on a right-hand page
    for title in (
        "什么是电子政务",
        "Records management in a small office",
        "Digital office basics",
    ):
        assert title in joined
    pdf = pdfium.PdfDocument(str(out))
    assert tuple(round(v) for v in pdf.get_page_size(0)) == (612, 792)


def test_roster_zip(demo, tmp_path):
    out = tmp_path / "copies.zip"
    run("--lecture", str(demo["slides_lecture"].pk), "--for", "Ann Lee", "李明", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["Ann Lee.pdf", "李明.pdf"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--course", "no-such-course"], "no course with the slug"),
        (["--lecture", "999999"], "no lecture with the id"),
        (["--course", "digital-office", "--date", "25/11/2026"], "--date must look like"),
    ],
)
def test_clear_errors(demo, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args, "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_lecture_without_a_deck(demo, tmp_path):
    with pytest.raises(CommandError, match="has no slide deck"):
        run("--lecture", str(demo["welcome_lecture"].pk), "--out", str(tmp_path / "x.pdf"))


def test_deck_not_converted_yet(demo, tmp_path):
    """A deck on its first conversion has nothing to print yet."""
    deck = demo["deck"]
    SlideDeck.objects.filter(pk=deck.pk).update(
        status=SlideDeck.Status.TEXT_READY, converted_hash=""
    )
    with pytest.raises(CommandError, match="not converted yet"):
        run("--lecture", str(demo["slides_lecture"].pk), "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="not converted yet"):
        run("--course", "digital-office", "--out", str(tmp_path / "y.pdf"))


def test_layout_must_be_known(demo, tmp_path):
    with pytest.raises(CommandError):
        run("--course", "digital-office", "--layout", "5", "--out", str(tmp_path / "x.pdf"))


def test_a_deck_converting_again_prints_the_slides_members_see(demo, tmp_path):
    """While a new file converts, members keep the previous slides: so does the handout."""
    deck = demo["deck"]
    SlideDeck.objects.filter(pk=deck.pk).update(status=SlideDeck.Status.PROCESSING)
    out = tmp_path / "lecture.pdf"
    run("--lecture", str(demo["slides_lecture"].pk), "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 10_000
