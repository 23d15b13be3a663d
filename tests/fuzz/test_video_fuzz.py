"""Fuzzing the video pipeline (issue 9, item 2): damaged, truncated, disguised and oversized
videos through ``probe`` → ``make_poster`` → ``web_rendition``, as a worker runs them. Each
ends with a web-ready MP4 no larger than 4K, or in the pipeline's own clear failure; ffmpeg
runs within the per-conversion memory ceiling and its timeouts, and never reaches the
network (a local listener fails the test if contacted)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PIL import Image

from courses.conversion import video as vconv
from tests.conversion_video.conftest import ffmpeg

from . import build
from .conftest import CORPUS, VIDEO_SEEDS
from .harness import count, rng_for, run_case

pytestmark = pytest.mark.slow  # ffmpeg


def cases(category: str, base: int):
    return pytest.mark.parametrize("index", range(count(base)), ids=lambda i: f"{category}-{i}")


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-videos")


@pytest.fixture(scope="session")
def video_seeds(video_dir) -> list[Path]:
    """Real videos from the shared corpus, and a small H.264 + AAC one made here."""
    made = video_dir / "small.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15:duration=1"),
        *("-f", "lavfi", "-i", "sine=frequency=440:duration=1"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-shortest", str(made)),
    )
    corpus = [CORPUS / "video" / name for name in VIDEO_SEEDS]
    return [made] + [path for path in corpus if path.is_file()]


def process(path: Path, out: Path):
    """What ``video_service.process`` asks of the core before the video is ready."""
    info = vconv.probe(path)
    poster = vconv.make_poster(path, out / "poster.jpg", info, timeout=60)
    rendition = vconv.web_rendition(path, out / "web.mp4", info, timeout=120)
    return info, poster, rendition


def check_processed(processed) -> None:
    _info, poster, rendition = processed
    with Image.open(poster) as image:
        assert 0 < image.width <= 1280
    out = vconv.probe(rendition.path)
    assert out.video_codec == "h264" and out.container == "mp4"
    assert out.width % 2 == 0 and out.height % 2 == 0
    long_side, short_side = sorted((out.display_width, out.display_height), reverse=True)
    assert long_side <= vconv.MAX_WEB_WIDTH and short_side <= vconv.MAX_WEB_HEIGHT


def run(category, case_id, path, tmp_path) -> str:
    return run_case(category, case_id, lambda: process(path, tmp_path / "out"), check_processed)


@cases("video_mutation", 12)
def test_mutated_videos(index, video_seeds, tmp_path):
    """Bytes flipped or spans mangled past the header, so the container is still recognised
    and the damage reaches the demuxer and the decoders."""
    rng = rng_for("video_mutation", index)
    seed = video_seeds[index % len(video_seeds)]
    data = seed.read_bytes()
    head, body = data[:64], data[64:]
    body = build.flip_bytes(body, rng) if index % 2 else build.mutate_chunks(body, rng)
    path = tmp_path / f"mutated{seed.suffix}"
    path.write_bytes(head + body)
    run("video_mutation", f"{index}:{seed.name}", path, tmp_path)


@cases("video_truncation", 8)
def test_truncated_videos(index, video_seeds, tmp_path):
    rng = rng_for("video_truncation", index)
    seed = video_seeds[index % len(video_seeds)]
    data = seed.read_bytes()
    cut = rng.choice([1, 12, 200, rng.randrange(len(data)), len(data) - rng.randint(1, 5000)])
    path = tmp_path / f"cut{seed.suffix}"
    path.write_bytes(data[: max(1, cut)])
    outcome = run("video_truncation", f"{index}:{seed.name}@{cut}", path, tmp_path)
    if cut < 200:
        assert outcome in ("corrupt", "not_video"), outcome


def _raw_avi(path: Path, width: int, height: int) -> Path:
    """A 16×16 raw-video AVI whose headers then claim ``width``×``height``."""
    ffmpeg(
        *("-f", "lavfi", "-i", "color=c=red:size=16x16:rate=5:duration=0.4"),
        *("-c:v", "rawvideo", "-pix_fmt", "gray", str(path)),
    )
    data = bytearray(path.read_bytes())
    avih = data.find(b"avih") + 8
    struct.pack_into("<II", data, avih + 32, width, height)
    strf = data.find(b"strf") + 8
    struct.pack_into("<ii", data, strf + 4, width, height)
    path.write_bytes(bytes(data))
    return path


def _made(path: Path, size: str, codec: str) -> Path:
    ffmpeg(
        *("-f", "lavfi", "-i", f"testsrc=size={size}:rate=5:duration=0.4"),
        *(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
        if codec == "h264"
        else ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p"],
        str(path),
    )
    return path


FRAMES = [
    ("avi_claims", 60_000, 60_000),
    ("avi_claims", 9_000, 64),
    ("avi_claims", 64, 16_000),
    ("mjpeg", 8_400, 16),
    ("h264", 4_000, 64),  # allowed (under 8192), wider than 4K: the rendition is capped
    ("h264", 64, 4_000),
]


@cases("video_frames", 6)
def test_huge_frame_dimensions(index, tmp_path):
    """Frames over 8192 px (real or claimed by the headers) are refused before any decoder
    allocates them; frames between 4K and that are transcoded down to 4K."""
    kind, width, height = FRAMES[index % len(FRAMES)]
    if kind == "avi_claims":
        path = _raw_avi(tmp_path / "claims.avi", width, height)
    else:
        path = _made(
            tmp_path / f"wide.{'mp4' if kind == 'h264' else 'mkv'}", f"{width}x{height}", kind
        )
    outcome = run("video_frames", f"{index}:{kind} {width}x{height}", path, tmp_path)
    if max(width, height) > vconv.MAX_FRAME_SIDE:
        assert outcome in ("too_large", "corrupt"), outcome
    else:
        assert outcome == "ok", outcome


POLYGLOTS = [
    "mp4_header_pptx",
    "pdf",
    "pptx",
    "ebml_header_zip",
    "hls_playlist_to_listener",
    "concat_script",
    "png_then_mp4",
    "mp4_then_pdf",
]


@cases("video_polyglot", 8)
def test_video_polyglots(index, video_seeds, tmp_path, listener):
    """Documents, playlists and pictures passed off as videos: refused by their first bytes,
    or by ffmpeg's protocol and demuxer whitelists; playlists never fetch what they name."""
    kind = POLYGLOTS[index % len(POLYGLOTS)]
    deck = build.base_deck(tmp_path / "deck.pptx").read_bytes()
    video = video_seeds[0].read_bytes()
    path = tmp_path / "upload.mp4"
    if kind == "mp4_header_pptx":
        path.write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + deck)
    elif kind == "pdf":
        path.write_bytes(b"%PDF-1.7\n" + video)
    elif kind == "pptx":
        path.write_bytes(deck)
    elif kind == "ebml_header_zip":
        path.write_bytes(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + deck)
    elif kind == "hls_playlist_to_listener":
        path.write_text(
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n"
            f"{listener.url('segment.ts')}\n#EXT-X-ENDLIST\n"
        )
    elif kind == "concat_script":
        path.write_text(f"ffconcat version 1.0\nfile '{video_seeds[0]}'\nfile '{listener.url()}'\n")
    elif kind == "png_then_mp4":
        path.write_bytes(build.png_bytes() + video)
    else:
        path.write_bytes(video + b"%PDF-1.7\n" + deck)
    outcome = run("video_polyglot", f"{index}:{kind}", path, tmp_path)
    if kind != "mp4_then_pdf":
        assert outcome in ("not_video", "corrupt"), outcome
