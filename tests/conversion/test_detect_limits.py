"""Recognition by content and limits checked before unpacking."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from PIL import Image

from courses.conversion import (
    CorruptFile,
    Limits,
    NotAPresentation,
    TooLarge,
    TooManySlides,
    check_package,
    convert_deck,
    detect,
    detect_format,
    extract_deck,
    prepare,
)

CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def ooxml_zip(path, main_type, main_part="ppt/presentation.xml", extra=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{CT}"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main_part}" ContentType="{main_type}"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{OFFICE_DOC}" '
            f'Target="{main_part}"/></Relationships>',
        )
        zf.writestr(main_part, "<x/>")
        for name, data in extra:
            zf.writestr(name, data)
    return path


def test_pptx_by_content_whatever_the_name(feature_deck, tmp_path):
    renamed = tmp_path / "lecture.pdf"
    shutil.copy(feature_deck, renamed)
    assert detect_format(renamed) == "pptx"
    assert detect(renamed).strict is False


@pytest.mark.parametrize(
    ("main_type", "expected"),
    [
        ("application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml", "ppsx"),
        ("application/vnd.openxmlformats-officedocument.presentationml.template.main+xml", "potx"),
        ("application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", "pptm"),
        ("application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml", "ppsm"),
        ("application/vnd.ms-powerpoint.template.macroEnabled.main+xml", "potm"),
    ],
)
def test_package_kinds(tmp_path, main_type, expected):
    assert detect_format(ooxml_zip(tmp_path / "x.pptx", main_type)) == expected


def test_docx_is_not_a_presentation(tmp_path):
    docx = ooxml_zip(
        tmp_path / "notes.pptx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        main_part="word/document.xml",
    )
    with pytest.raises(NotAPresentation) as info:
        detect_format(docx)
    assert info.value.code == "not_presentation"
    assert "not a presentation" in info.value.message


def test_png_renamed_pptx_is_not_a_presentation(tmp_path):
    png = tmp_path / "slides.pptx"
    Image.new("RGB", (10, 10)).save(png, "PNG")
    with pytest.raises(NotAPresentation):
        prepare(png, tmp_path / "work")


@pytest.mark.parametrize("content", [b"just some text\n", b"\x00\x01\x02garbage"])
def test_other_files_are_not_presentations(tmp_path, content):
    path = tmp_path / "x.pptx"
    path.write_bytes(content)
    with pytest.raises(NotAPresentation):
        detect_format(path)


def test_plain_zip_is_not_a_presentation(tmp_path):
    path = tmp_path / "x.pptx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(NotAPresentation):
        detect_format(path)


def test_odp_by_mimetype(tmp_path):
    path = tmp_path / "talk.bin"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.presentation")
        zf.writestr("content.xml", "<x/>")
    assert detect_format(path) == "odp"


def test_pdf_by_magic(tmp_path):
    path = tmp_path / "x.pptx"
    path.write_bytes(b"%PDF-1.7\n%...")
    assert detect_format(path) == "pdf"


def test_empty_file_is_corrupt(tmp_path):
    path = tmp_path / "x.pptx"
    path.write_bytes(b"")
    with pytest.raises(CorruptFile):
        detect_format(path)


def test_truncated_pptx_is_corrupt(feature_deck, tmp_path):
    data = feature_deck.read_bytes()
    cut = tmp_path / "cut.pptx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFile) as info:
        prepare(cut, tmp_path / "work")
    assert info.value.code == "corrupt"


def test_zip_bomb_refused_before_unpacking(tmp_path):
    bomb = tmp_path / "bomb.pptx"
    ooxml_zip(
        bomb,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    )
    # 64 MB of zeros deflate to ~64 KB: a 1000:1 member, refused by ratio from the directory.
    with (
        zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("ppt/media/image1.png", "w") as member,
    ):
        chunk = b"\0" * (8 * 1024 * 1024)
        for _ in range(8):
            member.write(chunk)
    assert bomb.stat().st_size < 200 * 1024
    with pytest.raises(TooLarge) as info:
        check_package(bomb, Limits())
    assert info.value.code == "too_large"
    with pytest.raises(TooLarge):
        prepare(bomb, tmp_path / "work")
    # The same file against a total-size limit (ratio check off): refused as well.
    with pytest.raises(TooLarge):
        check_package(
            bomb, Limits(max_uncompressed_bytes=32 * 1024 * 1024, max_compression_ratio=1e9)
        )


def test_many_entries_refused(tmp_path):
    path = tmp_path / "many.pptx"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(50):
            zf.writestr(f"ppt/x{i}.xml", "<x/>")
    with pytest.raises(TooLarge):
        check_package(path, Limits(max_zip_entries=20))


def test_file_size_limit(feature_deck):
    with pytest.raises(TooLarge) as info:
        check_package(feature_deck, Limits(max_file_bytes=1000))
    assert "largest presentation" in info.value.message
    assert "limit=1000" in info.value.detail


@pytest.mark.parametrize(
    "name", ["../evil", "ppt/../../evil.xml", "/etc/passwd", "C:/x.xml", "ppt\\..\\evil"]
)
def test_unsafe_member_names_refused(tmp_path, name):
    path = tmp_path / "slip.pptx"
    ooxml_zip(
        path,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        extra=[(name, b"x")],
    )
    with pytest.raises(CorruptFile) as info:
        prepare(path, tmp_path / "work")
    assert "unsafe" in info.value.message


def test_messages_are_for_people():
    buf = io.StringIO()
    err = CorruptFile(detail="zip: Bad magic number")
    buf.write(err.message)
    assert "Bad magic" not in err.message  # technical detail is kept for the log only
    assert err.detail in str(err)


# Found by fuzzing (tests/fuzz/); quick versions so `make test-quick` keeps them.


def test_many_small_members_are_a_bomb_together(tmp_path):
    from tests.fuzz.build import Entry, deflated, write_zip

    zeros = deflated("x", b"\0" * (9 * 1024 * 1024))  # each under the per-member floor
    entries = [Entry(f"ppt/media/{i}.bin", zeros.data, zeros.crc, zeros.size) for i in range(20)]
    with pytest.raises(TooLarge) as info:
        check_package(write_zip(tmp_path / "bomb.pptx", entries))
    assert "package compression ratio" in info.value.detail


def test_entry_count_is_read_before_the_directory(tmp_path):
    from tests.fuzz.build import deflated, write_zip

    entries = [deflated(f"x/{i}.xml", b"") for i in range(60)]
    for claimed in (60, 1):  # the end record may lie about the count: the size tells
        path = write_zip(tmp_path / f"many{claimed}.pptx", entries, eocd_count=claimed)
        with pytest.raises(TooLarge):
            check_package(path, Limits(max_zip_entries=20))


def test_members_must_inflate_to_their_declared_size(tmp_path):
    import zlib

    from courses.conversion import check_members
    from tests.fuzz.build import deflated, write_zip

    big = b"\0" * (1024 * 1024)
    lying = deflated("ppt/media/image1.png", big, size=1024, crc=zlib.crc32(big[:1024]))
    path = write_zip(tmp_path / "lying.pptx", [lying])
    check_package(path)  # the directory alone looks innocent
    with pytest.raises(CorruptFile) as info:
        check_members(path)
    assert "past its declared" in info.value.detail


def test_zip_encryption_is_damage(tmp_path):
    from tests.fuzz.build import deflated, write_zip

    path = write_zip(tmp_path / "enc.pptx", [deflated("ppt/slides/slide1.xml", b"<x/>", flags=1)])
    with pytest.raises(CorruptFile):
        check_package(path)


def test_giant_picture_headers_are_refused(tmp_path):
    from courses.conversion import check_members
    from tests.fuzz.build import deflated, png_claiming, write_zip

    path = write_zip(
        tmp_path / "giant.pptx", [deflated("ppt/media/image1.png", png_claiming(20_000, 20_000))]
    )
    with pytest.raises(TooLarge) as info:
        check_members(path)
    assert "179 megapixels" in info.value.message
    fine = write_zip(
        tmp_path / "fine.pptx", [deflated("ppt/media/image1.png", png_claiming(4000, 3000))]
    )
    check_members(fine)


def test_odp_links_to_outside_content_are_removed(tmp_path):
    from courses.conversion.normalise import unlink_odf
    from tests.fuzz.build import odp, odp_image

    shapes = (
        odp_image("file:///etc/secret.png")
        + odp_image("http://192.0.2.1/x.png")
        + odp_image("Pictures/inside.png")
        + '<draw:frame><draw:text-box><text:p><text:a xlink:href="https://example.org/">'
        "a link</text:a></text:p></draw:text-box></draw:frame>"
    )
    src = odp(tmp_path / "links.odp", shapes, {"Pictures/inside.png": b"\x89PNG"})
    out = unlink_odf(src, tmp_path / "unlinked.odp")
    with zipfile.ZipFile(out) as zf:
        assert zf.infolist()[0].filename == "mimetype"
        assert zf.infolist()[0].compress_type == zipfile.ZIP_STORED
        content = zf.read("content.xml").decode()
    assert "file:///etc" not in content and "192.0.2.1" not in content
    assert "Pictures/inside.png" in content and "https://example.org/" in content
    assert detect_format(out) == "odp"


def test_too_many_slides_is_refused_in_words_a_translator_can_hold(feature_deck, tmp_path):
    """The four-slide deck against a limit of three: refused before any rendering, with a
    message free of numbers (it is stored, then translated as it is) and the counts in detail."""
    with pytest.raises(TooManySlides) as info:
        extract_deck(feature_deck, tmp_path / "media", Limits(max_slides=3))
    assert info.value.code == "too_large"
    assert info.value.message == TooManySlides.default_message
    assert not any(ch.isdigit() for ch in info.value.message)
    assert "4 slides, limit 3" in info.value.detail
    with pytest.raises(TooLarge):
        convert_deck(feature_deck, tmp_path / "out", limits=Limits(max_slides=3))
    assert not list((tmp_path / "out").glob("*.webp"))
