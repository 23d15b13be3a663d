"""Every deck of the shared corpus: the right slide count, or the right typed error.

python-pptx's slide count for OOXML decks; LibreOffice's for legacy and Strict ones.
"""

from __future__ import annotations

import pytest

from courses.conversion import (
    ConversionError,
    EncryptedFile,
    WrongPassword,
    decrypt,
    extract_text,
    is_encrypted,
    prepare,
    render,
)

from .conftest import PPTX_CORPUS, corpus_file, needs_soffice

# file → slide count, or error code
EXPECTED: dict[str, int | str] = {
    "ox-Algn_tab_TabAlignment.pptx": 1,  # Strict OOXML, via LibreOffice
    "ox-AllSlidesConverterSC.pptx": 5,
    "ox-Bug571679_Brownbag.pptx": 18,
    "ox-Image_AnimatedGIF.pptx": 1,
    "ox-Presentation.potx": 3,
    "ox-[HC]cmedianode-CommonMediaNodProperties.pptx": 1,  # Strict OOXML
    "ox-encrypted_pptx.pptx": "encrypted",
    "ox-o09_Performance_typical.pptx": 11,
    "poi-54542_cropped_bitmap.pptx": 1,
    "poi-57272_corrupted_usereditatom.ppt": 6,  # LibreOffice recovers it
    "poi-60810.pptx": 28,
    "poi-62592.thmx": "not_presentation",  # a theme package
    "poi-EmbeddedAudio.pptx": 1,
    "poi-PPT95.ppt": 42,
    "poi-SimpleMacro.pptm": 1,
    "poi-aascu.org_hbcu_leadershipsummit_cooper_.pptx": 16,
    "poi-alterman_security.pptx": 23,
    "poi-au.asn.aes.www_conferences_2011_presentations_Fri_20Room4Level4_20930_20Maloney.pptx": 28,
    "poi-clusterfuzz-testcase-minimized-POIFuzzer-5205835528404992.pptx": "corrupt",
    "poi-highlight-test-case.pptx": 1,
    "poi-missing-blip-fill.pptx": 1,
    "poi-pie-chart.pptx": 1,
    "poi-ppt_with_png_encrypted.ppt": "encrypted",
    "poi-shapes.pptx": 6,
    "poi-smartart-simple.pptx": 1,
    "poi-stress013.pptx": 23,
    "poi-testPPT.ppsm": 3,
    "poi-with_japanese.pptx": 1,
    "pp-cht-chart-type.pptx": 8,
    "pp-ext-rels.pptx": 1,
    "pp-shp-freeform.pptx": 1,
    "pp-sld-notes.pptx": 2,
    "pp-tbl-cell.pptx": 3,
    "sc-005 chart.pptx": 1,
    "sc-031.pptx": 45,
    "sc-061_font-color.pptx": 1,
    "sc-autoshape-case018_rotation.pptx": 3,
    "sc-new presentation.pptx": "no_slides",
    "sc-video-case001.pptx": 1,
    "tika-testOCR.pptx": 1,
    "tika-testPPT_diagramData.pptx": 1,
    "tika-testPPT_embedded_two_slides.pptx": 2,
    "tika-testPPT_masterFooter.pptx": 1,
    "tika-testPPT_oleWorkbook.pptx": 2,
    "tika-testWordArt.pptx": 1,
    "us-fake-power-point-malformed.pptx": 1,
}
NEEDS_LIBREOFFICE_TO_PREPARE = {
    "ox-Algn_tab_TabAlignment.pptx",
    "ox-[HC]cmedianode-CommonMediaNodProperties.pptx",
    "poi-57272_corrupted_usereditatom.ppt",
    "poi-PPT95.ppt",
}


def _params(names):
    out = []
    for name in names:
        marks = [pytest.mark.slow, needs_soffice] if name in NEEDS_LIBREOFFICE_TO_PREPARE else []
        out.append(pytest.param(name, marks=marks, id=name[:40]))
    return out


def test_table_covers_the_corpus():
    if not PPTX_CORPUS.exists():
        pytest.skip(f"shared corpus not found at {PPTX_CORPUS}")
    assert sorted(p.name for p in PPTX_CORPUS.iterdir()) == sorted(EXPECTED)


def _text_outcome(path, tmp_path):
    try:
        prepared = prepare(path, tmp_path / "work")
        return prepared, extract_text(prepared, tmp_path / "media").slide_count
    except ConversionError as exc:
        assert exc.message and exc.code != "error"
        return None, exc.code


@pytest.mark.parametrize("name", _params(EXPECTED))
def test_text_phase(name, tmp_path):
    _prepared, outcome = _text_outcome(corpus_file(name), tmp_path)
    assert outcome == EXPECTED[name]


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("name", [n for n, v in EXPECTED.items() if isinstance(v, int)])
def test_render_page_count_equals_slide_count(name, tmp_path):
    prepared, count = _text_outcome(corpus_file(name), tmp_path)
    result = render(prepared, tmp_path / "images", widths=(320,), thumb_width=None, fmt="jpeg")
    assert result.page_count == count == EXPECTED[name]
    assert all(page.files[320].exists() for page in result.pages)


def test_encrypted_pptx_wrong_password(tmp_path):
    path = corpus_file("ox-encrypted_pptx.pptx")
    assert is_encrypted(path)
    with pytest.raises(WrongPassword) as info:
        decrypt(path, "tika", tmp_path / "plain.pptx")
    assert info.value.code == "wrong_password"
    assert "tika" not in str(info.value)
    assert not (tmp_path / "plain.pptx").exists()
    with pytest.raises(WrongPassword):
        prepare(path, tmp_path / "work", password="not-it")


def test_encrypted_ppt_right_and_wrong_password(tmp_path):
    path = corpus_file("poi-ppt_with_png_encrypted.ppt")
    plain = decrypt(path, "password", tmp_path / "plain.ppt")
    assert plain.stat().st_size > 0 and not is_encrypted(plain)
    with pytest.raises(WrongPassword):
        decrypt(path, "hello", tmp_path / "nope.ppt")


@pytest.mark.slow
@needs_soffice
def test_decrypted_legacy_ppt_gives_a_clear_message(tmp_path):
    # msoffcrypto decrypts it, but LibreOffice 7.4 cannot load the result: say what to do.
    with pytest.raises(EncryptedFile) as info:
        prepare(corpus_file("poi-ppt_with_png_encrypted.ppt"), tmp_path / "w", password="password")
    assert "remove the password" in info.value.message


def test_macro_deck_is_read_without_its_macros(tmp_path):
    prepared = prepare(corpus_file("poi-SimpleMacro.pptm"), tmp_path / "work")
    assert prepared.format == "pptm"
    import zipfile

    names = zipfile.ZipFile(prepared.pptx_path).namelist()
    assert not [n for n in names if "vbaProject" in n]


def test_embedded_media_extracted(tmp_path):
    for name, kind, ctype in [
        ("sc-video-case001.pptx", "video", "video/mp4"),
        ("poi-EmbeddedAudio.pptx", "audio", "audio/mpeg"),
    ]:
        prepared = prepare(corpus_file(name), tmp_path / name)
        deck = extract_text(prepared, tmp_path / name / "media")
        (media,) = deck.media
        assert (media.kind, media.content_type) == (kind, ctype)
        assert media.path.stat().st_size == media.size > 1000


def test_hidden_flags_from_corpus(tmp_path):
    prepared = prepare(corpus_file("poi-60810.pptx"), tmp_path / "w")
    deck = extract_text(prepared)
    assert sum(s.hidden for s in deck.slides) == 3
