"""The video core on real files: the shared corpus and small videos made with ffmpeg."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from courses.conversion.errors import ConversionTimeout, CorruptFile
from courses.conversion.video import (
    SNIFF_BYTES,
    NotAVideo,
    VideoInfo,
    ffmpeg_exe,
    kind_of,
    make_poster,
    make_storyboard,
    probe,
    storyboard_interval,
    web_rendition,
)

from .conftest import VIDEO_CORPUS, corpus_video

pytestmark = pytest.mark.slow  # every test here runs the bundled ffmpeg

# name: (duration, width, height, fps, has_audio, video codec, audio codec, container)
CORPUS_VIDEOS = {
    "mp-big_buck_bunny_432_433.webm": (1.0, 1280, 720, 24.0, True, "vp8", "vorbis", "webm"),
    "mp-chaplin.mp4": (9.64, 640, 360, 25.0, True, "h264", "mp3", "mp4"),
    "mp-fire2.mp4": (2.38, 1280, 720, 10.51, True, "h264", "aac", "mp4"),
    "mp-no_duration.webm": (4.93, 1280, 720, 14.99, True, "vp9", "opus", "webm"),
    "mp-smpte-2997.mp4": (10.05, 1920, 1080, 25.0, True, "h264", "aac", "mp4"),
    "mp-transparent.webm": (5.0, 200, 200, 30.0, True, "vp9", "vorbis", "webm"),
    "mp-video_with_failing_audio.mp4": (11.23, 640, 360, 25.0, True, "h264", "mp3", "mp4"),
    "pp-just-two-mice.mp4": (7.16, 312, 450, 25.0, False, "h264", None, "mp4"),
}


def box_order(path: Path) -> list[bytes]:
    """Top-level MP4 box types in file order."""
    order, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        order.append(kind)
        offset += size if size else len(data)
    return order


def luminance(jpg: Path) -> tuple[float, float]:
    with Image.open(jpg) as image:
        stat = ImageStat.Stat(image.convert("L"))
    return stat.mean[0], stat.stddev[0]


def test_ffmpeg_exe_is_bundled():
    assert Path(ffmpeg_exe()).is_file()


# --- probe ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CORPUS_VIDEOS))
def test_probe_corpus(name):
    duration, width, height, fps, has_audio, vcodec, acodec, container = CORPUS_VIDEOS[name]
    info = probe(corpus_video(name))
    assert info.duration_s == pytest.approx(duration, abs=0.05)
    assert (info.width, info.height) == (width, height)
    assert info.fps == pytest.approx(fps, abs=0.01)
    assert info.has_audio is has_audio
    assert (info.video_codec, info.audio_codec, info.container) == (vcodec, acodec, container)
    assert info.pix_fmt == "yuv420p"


def test_probe_no_duration_webm_measures_the_stream():
    info = probe(corpus_video("mp-no_duration.webm"))
    assert info.duration_from_header is False
    assert 4.5 < info.duration_s < 5.1


def test_probe_rotation_and_alpha():
    assert probe(corpus_video("mp-fire2.mp4")).rotation == 180
    assert probe(corpus_video("mp-transparent.webm")).has_alpha is True
    assert probe(corpus_video("mp-chaplin.mp4")).has_alpha is False


def test_probe_generated(h264_aac, vp9_opus, odd_height):
    info = probe(h264_aac)
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (
        640,
        360,
        "h264",
        "aac",
    )
    assert info.is_web_ready and info.bitrate > 0
    webm = probe(vp9_opus)
    assert (webm.video_codec, webm.audio_codec, webm.container) == ("vp9", "opus", "webm")
    odd = probe(odd_height)
    assert (odd.height, odd.pix_fmt, odd.is_web_ready) == (361, "yuv444p", False)


# --- bad input -----------------------------------------------------------------------------


def test_text_file_is_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("Lecture 1 notes\nGood morning everyone.\n" * 20)
    with pytest.raises(NotAVideo) as caught:
        probe(path)
    assert caught.value.code == "not_video"
    assert "not a video" in caught.value.message


def test_png_is_not_a_video(tmp_path):
    path = tmp_path / "slide.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(path)
    with pytest.raises(NotAVideo, match="picture"):
        probe(path)


def test_pptx_is_not_a_video():
    deck = VIDEO_CORPUS.parent / "pptx" / "pp-sld-notes.pptx"
    if not deck.is_file():
        pytest.skip(f"corpus deck not found at {deck}")
    with pytest.raises(NotAVideo, match="document"):
        probe(deck)


def test_audio_only_is_not_a_video(audio_only):
    with pytest.raises(NotAVideo, match="sound but no pictures"):
        probe(audio_only)


def test_empty_file_is_corrupt(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(CorruptFile, match="empty"):
        probe(path)


def test_truncated_mp4_index_at_end_is_corrupt(tmp_path, h264_aac):
    data = h264_aac.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])  # the moov box (at the end) is gone
    with pytest.raises(CorruptFile) as caught:
        probe(path)
    assert caught.value.code == "corrupt"


def test_truncated_mp4_faststart_is_corrupt(tmp_path, h264_faststart):
    # ffmpeg itself probes this one happily: the index is at the front, the media cut short.
    assert (
        box_order(h264_faststart)[:3]
        == [b"ftyp", b"moov", b"free"][:2] + box_order(h264_faststart)[2:3]
    )
    data = h264_faststart.read_bytes()
    path = tmp_path / "cut_faststart.mp4"
    path.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(CorruptFile, match="damaged or incomplete"):
        probe(path)


def test_truncated_corpus_mp4_is_corrupt(tmp_path):
    data = corpus_video("mp-chaplin.mp4").read_bytes()
    path = tmp_path / "chaplin_cut.mp4"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptFile):
        probe(path)


def test_playlist_disguised_as_video_is_refused(tmp_path):
    # An HLS playlist renamed .mp4 would make an unguarded ffmpeg read the files it names.
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    path = tmp_path / "lecture.mp4"
    path.write_text(f"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\n{secret}\n#EXT-X-ENDLIST\n")
    with pytest.raises(NotAVideo):
        probe(path)


def test_missing_file_is_a_conversion_error(tmp_path):
    with pytest.raises(CorruptFile):
        probe(tmp_path / "nowhere.mp4")


# --- renditions ----------------------------------------------------------------------------


def test_remux_h264_aac_moves_index_to_front(tmp_path, h264_aac):
    assert box_order(h264_aac).index(b"moov") > box_order(h264_aac).index(b"mdat")
    info = probe(h264_aac)
    result = web_rendition(h264_aac, tmp_path / "web.mp4", info)
    assert result.remuxed and result.video_copied
    order = box_order(result.path)
    assert order.index(b"moov") < order.index(b"mdat")  # +faststart: plays while downloading
    out = probe(result.path)
    assert (out.video_codec, out.audio_codec, out.width, out.height) == ("h264", "aac", 640, 360)
    assert out.duration_s == pytest.approx(info.duration_s, abs=0.1)
    # copied, not re-encoded: same size give or take the container
    assert abs(result.size - h264_aac.stat().st_size) < 0.05 * h264_aac.stat().st_size


def assert_web_mp4(path: Path, *, audio: bool = True) -> VideoInfo:
    out = probe(path)
    assert out.video_codec == "h264" and out.pix_fmt == "yuv420p"
    assert out.width % 2 == 0 and out.height % 2 == 0
    assert out.audio_codec == ("aac" if audio else None)
    order = box_order(path)
    assert order.index(b"moov") < order.index(b"mdat")
    return out


def test_transcode_generated_webm(tmp_path, vp9_opus):
    info = probe(vp9_opus)
    result = web_rendition(vp9_opus, tmp_path / "web.mp4", info)
    assert not result.remuxed and not result.video_copied
    out = assert_web_mp4(result.path)
    assert (result.width, result.height) == (320, 180)
    assert out.duration_s == pytest.approx(2.0, abs=0.15)


def test_transcode_corpus_webm(tmp_path):
    src = corpus_video("mp-big_buck_bunny_432_433.webm")
    result = web_rendition(src, tmp_path / "web.mp4", probe(src))
    assert not result.remuxed
    assert_web_mp4(result.path)
    assert (result.width, result.height) == (1280, 720)


def test_mp3_in_mp4_gets_aac_and_keeps_pictures(tmp_path):
    src = corpus_video("mp-chaplin.mp4")
    result = web_rendition(src, tmp_path / "web.mp4", probe(src))
    assert result.video_copied and not result.remuxed
    out = assert_web_mp4(result.path)
    assert out.duration_s == pytest.approx(9.64, abs=0.1)


def test_failing_audio_corpus_video_still_converts(tmp_path):
    src = corpus_video("mp-video_with_failing_audio.mp4")
    result = web_rendition(src, tmp_path / "web.mp4", probe(src))
    # moviepy cannot decode this sound; ffmpeg can, so the sound is kept.
    assert result.has_audio and not result.audio_dropped
    assert_web_mp4(result.path)


def test_no_duration_webm_converts(tmp_path):
    src = corpus_video("mp-no_duration.webm")
    result = web_rendition(src, tmp_path / "web.mp4", probe(src))
    out = assert_web_mp4(result.path)
    assert out.duration_from_header and 4.5 < out.duration_s < 5.1


def test_odd_height_yuv444_is_made_even_yuv420(tmp_path, odd_height):
    result = web_rendition(odd_height, tmp_path / "web.mp4", probe(odd_height))
    assert result.size > 0
    assert_web_mp4(result.path, audio=False)
    assert (result.width, result.height) == (640, 360)


def test_480p_rendition_of_1080p(tmp_path):
    src = corpus_video("mp-smpte-2997.mp4")
    info = probe(src)
    main = web_rendition(src, tmp_path / "web.mp4", info)
    assert main.remuxed and (main.width, main.height) == (1920, 1080)
    small = web_rendition(src, tmp_path / "480.mp4", info, max_height=480)
    assert not small.remuxed
    assert (small.width, small.height) == (854, 480)
    assert_web_mp4(small.path)


def test_480p_never_enlarges(tmp_path):
    src = corpus_video("pp-just-two-mice.mp4")  # 312x450, no sound
    result = web_rendition(src, tmp_path / "480.mp4", probe(src), max_height=480)
    assert result.remuxed and (result.width, result.height) == (312, 450)
    assert_web_mp4(result.path, audio=False)


def test_rotation_survives_remux(tmp_path):
    src = corpus_video("mp-fire2.mp4")
    result = web_rendition(src, tmp_path / "web.mp4", probe(src))
    assert result.remuxed
    assert probe(result.path).rotation == 180


def test_progress_reaches_100(tmp_path, vp9_opus):
    seen: list[float] = []
    web_rendition(vp9_opus, tmp_path / "web.mp4", probe(vp9_opus), progress=seen.append)
    assert seen[-1] == 100.0
    assert seen == sorted(seen) and all(0 <= p <= 100 for p in seen)


def test_tiny_timeout_raises_and_leaves_nothing(tmp_path, vp9_opus):
    out = tmp_path / "web.mp4"
    with pytest.raises(ConversionTimeout) as caught:
        web_rendition(vp9_opus, out, probe(vp9_opus), timeout=0.05)
    assert caught.value.code == "timeout"
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_output_of_another_run_is_replaced(tmp_path, h264_aac):
    out = tmp_path / "web.mp4"
    out.write_bytes(b"")  # a 0-byte file left by a crashed run
    result = web_rendition(h264_aac, out, probe(h264_aac))
    assert result.size > 0 and out.stat().st_size == result.size


# --- poster and storyboard -----------------------------------------------------------------


def test_poster_is_not_black(tmp_path, black_then_content):
    info = probe(black_then_content)
    poster = make_poster(black_then_content, tmp_path / "poster.jpg", info)
    mean, spread = luminance(poster)
    assert mean > 30 and spread > 20
    with Image.open(poster) as image:
        assert image.size == (320, 180)  # never enlarged past the source


@pytest.mark.parametrize("name", ["mp-chaplin.mp4", "mp-smpte-2997.mp4", "mp-transparent.webm"])
def test_corpus_posters_have_content(tmp_path, name):
    src = corpus_video(name)
    info = probe(src)
    poster = make_poster(src, tmp_path / "poster.jpg", info, width=640)
    _mean, spread = luminance(poster)
    assert spread > 10  # transparent.webm: laid on white, not a black square
    with Image.open(poster) as image:
        assert image.width == min(640, info.display_width)


def test_storyboard_cues_and_sprite(tmp_path, h264_aac):
    info = probe(h264_aac)
    board = make_storyboard(h264_aac, tmp_path / "sb", info, interval_s=0.5)
    assert board.count == 6 and (board.tile_width, board.tile_height) == (160, 90)
    assert board.times == pytest.approx([0, 0.5, 1, 1.5, 2, 2.5])
    [sprite] = board.sprites
    with Image.open(sprite) as image:
        assert image.size == (6 * 160, 90)
    text = board.vtt.read_text()
    assert text.startswith("WEBVTT\n")
    assert text.count("-->") == 6
    assert "00:00:00.500 --> 00:00:01.000\nsb_001.jpg" not in text  # names are storyboard_NNN
    assert "00:00:00.500 --> 00:00:01.000\nstoryboard_001.jpg#xywh=160,0,160,90" in text
    assert text.rstrip().endswith("storyboard_001.jpg#xywh=800,0,160,90")


def test_storyboard_several_sprites(tmp_path, h264_aac):
    info = probe(h264_aac)
    board = make_storyboard(h264_aac, tmp_path / "sb", info, interval_s=0.1, per_sprite=20)
    assert board.count == 30 and len(board.sprites) == 2
    with Image.open(board.sprites[0]) as image:
        assert image.size == (10 * 160, 2 * 90)
    text = board.vtt.read_text()
    assert "storyboard_002.jpg#xywh=0,0,160,90" in text
    assert text.count("-->") == 30


def test_storyboard_corpus(tmp_path):
    src = corpus_video("mp-chaplin.mp4")
    info = probe(src)
    board = make_storyboard(src, tmp_path / "sb", info)
    assert board.interval_s == 1 and board.count == 10
    from courses.conversion.captions import parse_captions

    cues = parse_captions(board.vtt)
    assert len(cues) == 10 and cues[-1].end_s == pytest.approx(9.64)
    assert all(c.text.startswith("storyboard_001.jpg#xywh=") for c in cues)


def test_storyboard_interval_bounds_tiles():
    assert storyboard_interval(10) == 1
    assert storyboard_interval(600) == 5
    assert storyboard_interval(3600) == 20
    assert 3 * 3600 / storyboard_interval(3 * 3600) <= 200


def test_corpus_is_not_copied_into_the_repo():
    repo = Path(__file__).resolve().parents[2]
    assert not any(repo.joinpath("tests").rglob("*.webm"))
    assert shutil.which  # the corpus is read in place from VIDEO_CORPUS


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"plain notes\r\n\tindented", "text"),
        ("消防安全笔记".encode() * 40, "text"),  # 720 bytes: cut mid-character at 512
        (b"\xef\xbb\xbfWEBVTT\n\n00:00.000 --> 00:01.000\nHi", "text"),
        (b"#EXTM3U\n#EXTINF:10,\nsecret.txt", "text"),
        (
            "\u3000\u3000第一条\u00a0出口\u200b畅通".encode(),
            "text",
        ),  # full-width indent, nbsp, zwsp
        (bytes(range(1, 256)), "unknown"),  # binary without a known signature
        (b"text then a NUL\x00", "unknown"),
        (b"\xff\xfe\x00\x00", "unknown"),
        (b"G" + b"x" * 187 + b"G" + b"y" * 10, "video"),  # an MPEG-TS sync pattern wins
    ],
)
def test_text_is_told_from_binary_by_its_first_bytes(head, kind):
    assert kind_of(head[:SNIFF_BYTES]) == kind
