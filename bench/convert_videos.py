"""Benchmark the video core: probe, poster, storyboard, web rendition and 480p rendition.

Inputs: a generated 720p H.264/AAC MP4 and a 720p VP9/Opus WebM (60 s, or 10 s with
``--quick``), plus the shared corpus videos when present. For the generated clips the bare
``ffmpeg -i in -c:v libx264 -preset veryfast -c:a aac out.mp4`` is timed in the same run, so
the ratio of our transcode to it is measured on this machine, now.

Prints a table, then ``RESULT key=value ...`` as the last line.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from courses.conversion.errors import ConversionError  # noqa: E402
from courses.conversion.video import (  # noqa: E402
    ffmpeg_exe,
    make_poster,
    make_storyboard,
    probe,
    web_rendition,
)

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "video"


def generate(work: Path, seconds: int) -> list[Path]:
    """A 720p H.264/AAC MP4 (index at the end, as cameras write) and a 720p VP9/Opus WebM."""
    common = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y"]
    src = ["-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}"]
    sine = ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    mp4, webm = work / f"gen_{seconds}s_720p_h264.mp4", work / f"gen_{seconds}s_720p_vp9.webm"
    subprocess.run(
        [*common, *src, *sine, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(mp4)],
        check=True, timeout=600,
    )  # fmt: skip
    subprocess.run(
        [*common, *src, *sine, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
         "-b:v", "2M", "-c:a", "libopus", "-shortest", str(webm)],
        check=True, timeout=900,
    )  # fmt: skip
    return [mp4, webm]


def bare_transcode(src: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i", str(src), "-c:v", "libx264",
         "-preset", "veryfast", "-c:a", "aac", str(out)],
        check=True, timeout=1800,
    )  # fmt: skip
    return time.perf_counter() - started


def timed(func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - started


def bench_one(src: Path, work: Path, with_bare: bool) -> dict:
    row: dict = {"name": src.name}
    out = work / src.stem
    try:
        info, row["probe"] = timed(probe, src)
        row["size"] = f"{info.width}x{info.height}"
        row["codec"] = f"{info.video_codec}/{info.audio_codec or '-'}"
        row["dur"] = info.duration_s
        _, row["poster"] = timed(make_poster, src, out / "poster.jpg", info)
        board, row["storyboard"] = timed(make_storyboard, src, out / "sb", info)
        row["tiles"] = board.count
        web, row["web"] = timed(web_rendition, src, out / "web.mp4", info)
        row["path"] = "remux" if web.remuxed else ("copy+aac" if web.video_copied else "x264")
        small, row["480p"] = timed(web_rendition, src, out / "480.mp4", info, max_height=480)
        row["480size"] = f"{small.width}x{small.height}"
        if with_bare:
            row["bare"] = bare_transcode(src, out / "bare.mp4")
    except ConversionError as exc:
        row["error"] = f"{exc.code}: {exc.message}"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s clips instead of 60 s")
    parser.add_argument("--no-corpus", action="store_true")
    args = parser.parse_args()
    seconds = 10 if args.quick else 60

    with tempfile.TemporaryDirectory(prefix="elearn-bench-video-") as tmp:
        work = Path(tmp)
        print(f"generating {seconds} s 720p clips ...", flush=True)
        generated = generate(work, seconds)
        rows = [bench_one(src, work, with_bare=True) for src in generated]
        if not args.no_corpus and CORPUS.is_dir():
            corpus = sorted(p for p in CORPUS.iterdir() if p.suffix in {".mp4", ".webm"})
            rows += [bench_one(src, work, with_bare=False) for src in corpus]

    header = (
        f"{'video':34} {'size':>9} {'codec':>11} {'dur':>6} {'probe':>6} {'poster':>6} "
        f"{'sboard':>6} {'tiles':>5} {'web':>6} {'path':>8} {'480p':>6} {'bare':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        if "error" in r:
            print(f"{r['name'][:34]:34} ERROR {r['error']}")
            continue
        bare = f"{r['bare']:6.2f}" if "bare" in r else f"{'':>6}"
        dur = f"{r['dur']:6.2f}" if r["dur"] else f"{'?':>6}"
        print(
            f"{r['name'][:34]:34} {r['size']:>9} {r['codec']:>11} {dur} {r['probe']:6.3f} "
            f"{r['poster']:6.3f} {r['storyboard']:6.3f} {r['tiles']:5d} {r['web']:6.2f} "
            f"{r['path']:>8} {r['480p']:6.2f} {bare}"
        )

    h264, vp9 = rows[0], rows[1]
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "clip_s": seconds,
        "h264_probe_s": round(h264["probe"], 3),
        "h264_poster_s": round(h264["poster"], 3),
        "h264_storyboard_s": round(h264["storyboard"], 3),
        "h264_web_s": round(h264["web"], 3),
        "h264_web_path": h264["path"],
        "h264_480p_s": round(h264["480p"], 2),
        "h264_bare_s": round(h264["bare"], 2),
        "vp9_probe_s": round(vp9["probe"], 3),
        "vp9_poster_s": round(vp9["poster"], 3),
        "vp9_storyboard_s": round(vp9["storyboard"], 3),
        "vp9_web_s": round(vp9["web"], 2),
        "vp9_480p_s": round(vp9["480p"], 2),
        "vp9_bare_s": round(vp9["bare"], 2),
        "vp9_web_vs_bare": round(vp9["web"] / vp9["bare"], 2),
        "h264_remux_vs_bare": round(h264["web"] / h264["bare"], 3),
        "corpus_ok": sum(1 for r in rows[2:] if "error" not in r),
        "corpus_errors": sum(1 for r in rows[2:] if "error" in r),
        "peak_ffmpeg_mb": round(peak_children),
        "peak_python_mb": round(peak_self),
    }
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
