"""Captions: the corpus's SRT and WebVTT files, and the encodings trainers' tools write."""

from __future__ import annotations

import pytest

from courses.conversion.captions import (
    BadCaptions,
    Cue,
    cues_as_rows,
    detect_format,
    parse_captions,
    srt_to_vtt,
    to_webvtt,
)

from .conftest import corpus_video

# name: cue count, from the corpus MANIFEST
CORPUS_TRACKS = {
    "mp-subtitles-unicode.srt": 1,
    "mp-subtitles.srt": 5,
    "vjs-captions.ar.vtt": 77,
    "vjs-captions.en.vtt": 78,
    "vjs-captions.ja.vtt": 77,
    "vjs-chapters.en.vtt": 9,
    "vjs-descriptions.en.vtt": 63,
    "vjs-example-captions.vtt": 13,
}

SRT = (
    '1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> <font color="red">world</font>\n\n'
    "2\n00:00:03,000 --> 00:00:05,000\n{\\an8}加强机关信息化建设\nسلام\n\n"
)


@pytest.mark.parametrize("name", sorted(CORPUS_TRACKS))
def test_corpus_cue_counts(name):
    cues = parse_captions(corpus_video(name))
    assert len(cues) == CORPUS_TRACKS[name]
    assert all(0 <= c.start_s <= c.end_s for c in cues)
    assert all(c.plain for c in cues)


def test_corpus_srt_lax_timestamps_and_unicode():
    cues = parse_captions(corpus_video("mp-subtitles.srt"))
    assert (cues[2].start_s, cues[2].end_s, cues[2].text) == (5.0, 6.0, "Green!")  # "00:00:5,000"
    [cue] = parse_captions(corpus_video("mp-subtitles-unicode.srt"))
    assert cue.text == "ÁÉíöÙ"


def test_corpus_vtt_unicode_kept():
    arabic = parse_captions(corpus_video("vjs-captions.ar.vtt"))
    japanese = parse_captions(corpus_video("vjs-captions.ja.vtt"))
    assert arabic[0].plain.endswith("يمكن") or "الشمال" in arabic[0].plain
    assert japanese[0].plain == "左に見えるのは…"
    # a second trip through WebVTT changes nothing
    again = parse_captions(to_webvtt(japanese))
    assert [(c.start_s, c.end_s, c.text) for c in again] == [
        (c.start_s, c.end_s, c.text) for c in japanese
    ]


def test_chapters_parse_like_captions():
    cues = parse_captions(corpus_video("vjs-chapters.en.vtt"))
    assert cues[0] == Cue(0.0, 27.5, "Prologue", "1")
    assert cues[-1].end_s == 653.0


def test_srt_to_vtt_round_trip():
    vtt = srt_to_vtt(SRT)
    assert vtt.startswith("WEBVTT\n\n")
    assert "00:00:01.000 --> 00:00:02.500" in vtt
    assert "<font" not in vtt and "{\\an8}" not in vtt and "<i>Hello</i>" in vtt
    cues = parse_captions(vtt)
    assert [(c.start_s, c.end_s) for c in cues] == [(1.0, 2.5), (3.0, 5.0)]
    assert cues[0].plain == "Hello world"
    assert cues[1].plain == "加强机关信息化建设\nسلام"
    assert detect_format(vtt) == "vtt" and detect_format(SRT) == "srt"


def test_corpus_srt_to_vtt():
    vtt = srt_to_vtt(corpus_video("mp-subtitles.srt").read_bytes())
    assert vtt.count("-->") == 5 and "00:00:09.000 --> 00:00:10.000\nMore Blue!" in vtt


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode("utf-8"),
        lambda t: t.encode("utf-16"),  # with BOM
        lambda t: t.replace("\n", "\r\n").encode("utf-16-le"),  # without BOM
        lambda t: t.replace("\n", "\r").encode("utf-8"),  # old Mac line ends
    ],
    ids=["utf8", "utf8-bom-crlf", "utf16-bom", "utf16le-nobom-crlf", "cr"],
)
def test_encodings_and_line_ends(encode):
    cues = parse_captions(encode(SRT))
    assert [c.plain for c in cues] == ["Hello world", "加强机关信息化建设\nسلام"]


def test_cp1252_fallback():
    cues = parse_captions("1\n00:00:01,000 --> 00:00:02,000\nCafé déjà vu\n".encode("cp1252"))
    assert cues[0].text == "Café déjà vu"


def test_plain_strips_voice_and_class_tags():
    text = (
        "WEBVTT\n\nNOTE a comment\n\nSTYLE\n::cue { color: red }\n\n"
        "intro\n00:01.000 --> 00:02.000 line:0 align:start\n"
        "<v Dr. Lee><b>Fire</b> &amp; <c.loud>smoke</c></v>\n"
    )
    [cue] = parse_captions(text)
    assert cue.identifier == "intro" and cue.settings == "line:0 align:start"
    assert cue.plain == "Fire & smoke"
    assert "00:00:01.000 --> 00:00:02.000 line:0 align:start" in to_webvtt([cue])
    assert cues_as_rows([cue]) == [[1.0, 2.0, "Fire & smoke"]]


def test_cue_text_cannot_break_the_file():
    vtt = to_webvtt([Cue(0, 1, "a --> b\n\nc")])
    cues = parse_captions(vtt)
    assert len(cues) == 1 and cues[0].plain == "a --> b\nc"


@pytest.mark.parametrize(
    "data",
    [b"", b"just some text\nno timings here\n", b"WEBVTT\n\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00"],
    ids=["empty", "text", "header-only", "png"],
)
def test_bad_input(data):
    with pytest.raises(BadCaptions) as caught:
        parse_captions(data)
    assert caught.value.code == "bad_captions" and caught.value.message


def test_missing_file(tmp_path):
    with pytest.raises(BadCaptions):
        parse_captions(tmp_path / "nothing.vtt")


def test_bad_timings_skipped():
    cues = parse_captions(
        "1\n00:00:05,000 --> 00:00:01,000\nbackwards\n\n2\n00:00:06,000 --> 00:00:07,000\nok\n"
    )
    assert [c.text for c in cues] == ["ok"]
