"""Hostile files for the fuzz tests, made in the test: zips written byte by byte (so sizes,
flags and names can lie), decks from python-pptx with one part swapped, minimal OpenDocument
presentations, legacy .ppt files saved by LibreOffice, pictures whose headers claim absurd
sizes, and mutations of real files."""

from __future__ import annotations

import io
import os
import random
import re
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pptx import Presentation
from pptx.util import Inches

# --- zips written by hand --------------------------------------------------------------------


@dataclass
class Entry:
    """One zip member as it will be written; every field may lie about ``data``."""

    name: str
    data: bytes  # the bytes stored (already deflated when method is 8)
    crc: int
    size: int  # declared uncompressed size
    method: int = 8
    flags: int = 0
    extra: bytes = b""
    local_name: str | None = None  # a local header naming another file


def deflated(name: str, content: bytes, **overrides) -> Entry:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    data = packer.compress(content) + packer.flush()
    entry = Entry(name, data, zlib.crc32(content), len(content))
    for key, value in overrides.items():
        setattr(entry, key, value)
    return entry


def write_zip(path: Path, entries: list[Entry], *, eocd_count: int | None = None) -> Path:
    """Write ``entries`` as a zip, trusting every field given (no recomputation)."""
    out = io.BytesIO()
    directory = io.BytesIO()
    for entry in entries:
        offset = out.tell()
        local_name = (entry.local_name or entry.name).encode("utf-8", "surrogateescape")
        name = entry.name.encode("utf-8", "surrogateescape")
        flags = entry.flags | 0x800  # names in UTF-8
        out.write(
            struct.pack(
                "<4s5H3I2H",
                b"PK\x03\x04",
                20,
                flags,
                entry.method,
                0,
                0x21,
                entry.crc,
                len(entry.data),
                entry.size,
                len(local_name),
                len(entry.extra),
            )
        )
        out.write(local_name + entry.extra + entry.data)
        directory.write(
            struct.pack(
                "<4s6H3I5H2I",
                b"PK\x01\x02",
                20,
                20,
                flags,
                entry.method,
                0,
                0x21,
                entry.crc,
                len(entry.data),
                entry.size,
                len(name),
                len(entry.extra),
                0,
                0,
                0,
                0,
                offset,
            )
        )
        directory.write(name + entry.extra)
    start = out.tell()
    cd = directory.getvalue()
    out.write(cd)
    count = len(entries) if eocd_count is None else eocd_count
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(cd), start, 0))
    path.write_bytes(out.getvalue())
    return path


def zip_members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def rezip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """Write members as an ordinary deflated zip (``[Content_Types].xml`` first, as Office)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def replace_members(src: Path, dst: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of the zip ``src`` with members replaced (bytes), removed (None) or added."""
    members = [(n, changes.get(n, d)) for n, d in zip_members(src) if changes.get(n, d) is not None]
    names = {n for n, _ in members}
    members += [(n, d) for n, d in changes.items() if d is not None and n not in names]
    return rezip(dst, members)


# --- decks -----------------------------------------------------------------------------------


def png_bytes(size=(64, 40), colour=(30, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def base_deck(path: Path, slides: int = 1, picture: bool = True) -> Path:
    """A small deck: a title, a line of text and (on slide 1) a picture ppt/media/image1.png."""
    prs = Presentation()
    for number in range(1, slides + 1):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = f"Fuzz slide {number}"
        slide.placeholders[1].text_frame.text = "Plain words for the reader"
        if picture and number == 1:
            slide.shapes.add_picture(io.BytesIO(png_bytes()), Inches(6), Inches(4), Inches(2))
    prs.save(path)
    return path


def with_part(src: Path, dst: Path, name: str, transform) -> Path:
    """Copy of the deck with member ``name`` rewritten by ``transform(bytes) -> bytes``."""
    members = zip_members(src)
    return rezip(dst, [(n, transform(d) if n == name else d) for n, d in members])


def add_doctype(xml: bytes, doctype: str, reference: str) -> bytes:
    """Put a DOCTYPE after the XML declaration and ``reference`` where text is read."""
    text = xml.decode("utf-8")
    decl = re.match(r"<\?xml[^>]*\?>\s*", text)
    head, body = (text[: decl.end()], text[decl.end() :]) if decl else ("", text)
    root = re.match(r"<([\w:.-]+)", body).group(1)
    body = body.replace("<!DOCTYPE", "<!-- ", 1)
    if "<a:t>" in body:
        body = body.replace("<a:t>", f"<a:t>{reference}", 1)
    elif "<text:p" in body and "</text:p>" in body:
        body = body.replace("</text:p>", f"{reference}</text:p>", 1)
    else:
        close = body.rfind("</")
        body = body[:close] + reference + body[close:]
    return (head + f"<!DOCTYPE {root} [{doctype}]>" + body).encode("utf-8")


BILLION_LAUGHS = (
    '<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
)


def quadratic_blowup(rng: random.Random) -> tuple[str, str]:
    size = rng.choice([50_000, 100_000, 200_000])
    return f'<!ENTITY big "{"A" * size}">', "&big;" * rng.choice([2_000, 5_000, 10_000])


def link_picture(deck: Path, dst: Path, url: str) -> Path:
    """The picture on slide 1 linked (``r:link``, TargetMode External) to ``url``."""
    members = dict(zip_members(deck))
    rels_name = "ppt/slides/_rels/slide1.xml.rels"
    rels = members[rels_name].decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdFuzz" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/image" Target="{url}" TargetMode="External"/></Relationships>',
    )
    slide = members["ppt/slides/slide1.xml"].decode()
    slide = re.sub(r'r:embed="[^"]+"', 'r:link="rIdFuzz"', slide, count=1)
    members[rels_name] = rels.encode()
    members["ppt/slides/slide1.xml"] = slide.encode()
    return rezip(dst, list(members.items()))


def link_video(deck: Path, dst: Path, url: str) -> Path:
    """Slide 1's picture becomes a video whose file is linked to ``url``."""
    members = dict(zip_members(deck))
    rels_name = "ppt/slides/_rels/slide1.xml.rels"
    rels = (
        members[rels_name]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Id="rIdVid" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/video" Target="{url}" TargetMode="External"/></Relationships>',
        )
    )
    slide = members["ppt/slides/slide1.xml"].decode()
    slide = slide.replace(
        "<p:nvPr/></p:nvPicPr>",
        '<p:nvPr><a:videoFile r:link="rIdVid"/></p:nvPr></p:nvPicPr>',
        1,
    )
    members[rels_name] = rels.encode()
    members["ppt/slides/slide1.xml"] = slide.encode()
    return rezip(dst, list(members.items()))


def external_relationship(deck: Path, dst: Path, rels_name: str, rel_suffix: str, url: str):
    """Point the first relationship of type ``…/rel_suffix`` in ``rels_name`` at ``url``."""
    members = dict(zip_members(deck))
    rels = members[rels_name].decode()
    rels = re.sub(
        rf'(Type="[^"]*/{rel_suffix}" Target=")[^"]*(")',
        lambda m: f'{m.group(1)}{url}{m.group(2)} TargetMode="External"',
        rels,
        count=1,
    )
    members[rels_name] = rels.encode()
    return rezip(dst, list(members.items()))


# --- OpenDocument ----------------------------------------------------------------------------

_ODP_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
)


def odp(path: Path, shapes: str = "", pictures: dict[str, bytes] | None = None) -> Path:
    """A minimal one-slide .odp; ``shapes`` is XML put on the slide after its text box."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {_ODP_NS} office:version="1.2"><office:body>'
        '<office:presentation><draw:page draw:name="page1">'
        '<draw:frame svg:width="20cm" svg:height="3cm" svg:x="2cm" svg:y="2cm">'
        "<draw:text-box><text:p>Fuzz slide in OpenDocument</text:p></draw:text-box></draw:frame>"
        f"{shapes}</draw:page></office:presentation></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
        'vnd.oasis.opendocument.presentation"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        + "".join(
            f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="image/png"/>'
            for name in (pictures or {})
        )
        + "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.presentation")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        for name, data in (pictures or {}).items():
            zf.writestr(name, data, zipfile.ZIP_DEFLATED)
    return path


def odp_image(href: str) -> str:
    return (
        '<draw:frame svg:width="8cm" svg:height="6cm" svg:x="2cm" svg:y="6cm"><draw:image '
        f'xlink:href="{href}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
        "</draw:frame>"
    )


# --- legacy .ppt, written by LibreOffice ------------------------------------------------------

# LibreOffice's default writes links to local files relative to the saved file; an absolute
# URL keeps pointing at the same file wherever the upload is put.
_ABSOLUTE_LINKS = (
    '<item oor:path="/org.openoffice.Office.Common/Save/URL"><prop oor:name="FileSystem" '
    'oor:op="fuse"><value>false</value></prop></item>'
)


def bare_libreoffice(src: Path, out_dir: Path, target: str, settings: str = "") -> Path:
    """``soffice --convert-to target`` with LibreOffice's own defaults (none of the pipeline's
    hardening) plus registry ``settings``, in a fresh profile; returns the file written."""
    from courses.conversion.soffice import find_soffice

    profile = out_dir / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items '
        'xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{settings}</oor:items>',
        encoding="utf-8",
    )
    subprocess.run(
        [
            find_soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(src),
        ],
        env={**os.environ, "HOME": str(profile)},
        capture_output=True,
        timeout=180,
        check=False,
    )
    written = out_dir / (src.stem + "." + target.split(":")[0])
    assert written.is_file(), f"LibreOffice wrote no {target} for {src.name}"
    return written


def saved_as_ppt(src: Path, out_dir: Path) -> Path:
    """``src`` saved by LibreOffice as PowerPoint 97-2003, links to local files kept absolute."""
    return bare_libreoffice(src, out_dir, "ppt", _ABSOLUTE_LINKS)


# --- pictures whose headers lie --------------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    at = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("P", (8, 8)).save(buf, "GIF")
    data = bytearray(buf.getvalue())
    struct.pack_into("<HH", data, 6, width, height)
    at = data.find(b"\x2c")  # image descriptor
    struct.pack_into("<HH", data, at + 5, width, height)
    return bytes(data)


def bmp_claiming(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "BMP")
    data = bytearray(buf.getvalue())
    struct.pack_into("<ii", data, 18, width, height)
    return bytes(data)


# --- mutations -------------------------------------------------------------------------------


def flip_bytes(data: bytes, rng: random.Random, count: int | None = None) -> bytes:
    out = bytearray(data)
    for _ in range(count or rng.randint(1, 64)):
        at = rng.randrange(len(out))
        out[at] = rng.choice([0, 0xFF, rng.randrange(256), out[at] ^ (1 << rng.randrange(8))])
    return bytes(out)


def mutate_chunks(data: bytes, rng: random.Random) -> bytes:
    """Delete, duplicate or overwrite a span, or splice in bytes known to upset parsers."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        start = rng.randrange(len(out))
        length = rng.randint(1, max(1, min(4096, len(out) - start)))
        op = rng.choice(["delete", "duplicate", "overwrite", "splice"])
        if op == "delete":
            del out[start : start + length]
        elif op == "duplicate":
            out[start:start] = out[start : start + length]
        elif op == "overwrite":
            out[start : start + length] = bytes(rng.randrange(256) for _ in range(length))
        else:
            out[start:start] = rng.choice(INTERESTING)
    return bytes(out)


INTERESTING = [
    b"\x00" * 16,
    b"\xff" * 16,
    b"\x7f\xff\xff\xff",
    b"\xff\xff\xff\xff\xff\xff\xff\x7f",
    b"<![CDATA[",
    b"<!DOCTYPE x [<!ENTITY a SYSTEM 'file:///etc/passwd'>]>",
    b"&#0;",
    b"&#xFFFF;",
    b"</p:sld>",
    b'<a:off x="-9223372036854775808" y="99999999999999999999"/>',
    b'<p:sldSz cx="2147483647" cy="2147483647"/>',
    b'lvl="-1"',
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",  # a lone UTF-16 surrogate in UTF-8
]

XML_VALUE_RE = re.compile(rb'="(-?\d+)"')


def mutate_xml(data: bytes, rng: random.Random) -> bytes:
    """Structure-aware: numbers made huge, negative or zero; tags cut; text repeated."""
    op = rng.choice(["numbers", "numbers", "cut", "chunks", "nest"])
    if op == "numbers":
        values = [
            b"0",
            b"-1",
            b"2147483648",
            b"-2147483649",
            b"99999999999999999999",
            b"NaN",
            b"",
        ]
        return XML_VALUE_RE.sub(
            lambda m: b'="' + (rng.choice(values) if rng.random() < 0.3 else m.group(1)) + b'"',
            data,
        )
    if op == "cut":
        return data[: rng.randrange(len(data))] if data else data
    if op == "nest":
        depth = rng.choice([300, 3000, 30000])
        at = data.rfind(b"</")
        return data[:at] + b"<a:x>" * depth + b"</a:x>" * depth + data[at:] if at > 0 else data
    return mutate_chunks(data, rng)
