"""Benchmark the deck conversion pipeline against a bare LibreOffice PDF export.

For generated decks of 10, 50 and 200 slides (text, bullets, a picture and notes per slide) and
every convertible corpus deck: total seconds (prepare + extract_text + render), ms per slide,
time until the text is available, peak RSS, and the ratio to a bare
``soffice --headless --convert-to pdf`` of the same deck measured in the same run.

    .venv/bin/python bench/convert_decks.py [--quick] [--fmt webp|jpeg]

Each measurement runs in a fresh child process, so its peak RSS (getrusage: the largest single
process among it and its waited-for descendants, LibreOffice included) belongs to that deck alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "pptx"
EAGER_WIDTHS = (480, 960)


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def measure_bare(path: str) -> dict:
    """Bare LibreOffice: fresh profile, hidden slides exported, nothing else."""
    spec = 'pdf:impress_pdf_Export:{"ExportHiddenSlides":{"type":"boolean","value":"true"}}'
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp:
        binary = shutil.which("soffice") or "soffice"
        started = time.perf_counter()
        subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                spec,
                "--outdir",
                tmp,
                path,
            ],
            capture_output=True,
            timeout=900,
            check=False,
        )
        seconds = time.perf_counter() - started
        ok = any(Path(tmp).glob("*.pdf"))
    return {"seconds": seconds, "ok": ok, "peak_mb": _peak_mb()}


def measure_pipeline(path: str, fmt: str) -> dict:
    """prepare → extract_text (text ready) → render, as ``convert_deck`` runs them."""
    from courses.conversion import ConversionError, extract_text, prepare, render

    with tempfile.TemporaryDirectory(prefix="bench-pipe-") as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        try:
            prepared = prepare(path, tmp_path / "work")
            deck = extract_text(prepared, tmp_path / "media")
            text_ready = time.perf_counter() - started
            # The widths made during conversion (ELEARN_SLIDE_EAGER_WIDTHS); 1920 px is made
            # on first request, as the product does.
            result = render(prepared, tmp_path / "images", widths=EAGER_WIDTHS, fmt=fmt)
        except ConversionError as exc:
            return {"error": exc.code, "seconds": time.perf_counter() - started}
        total = time.perf_counter() - started
        image_bytes = sum(p.stat().st_size for p in (tmp_path / "images").glob("slide-*"))
    return {
        "slides": deck.slide_count,
        "pages": result.page_count,
        "seconds": total,
        "text_ready": text_ready,
        "soffice": result.soffice_seconds,
        "raster": result.raster_seconds,
        "image_mb": image_bytes / 1e6,
        "peak_mb": _peak_mb(),
    }


def _child(kind: str, path: Path, fmt: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--fmt", fmt, str(path)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        cwd=ROOT,
    )
    if out.returncode != 0:
        return {"error": f"crash: {out.stderr.strip()[-300:]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 200-slide deck and corpus")
    parser.add_argument("--fmt", default="webp", choices=["webp", "jpeg"])
    parser.add_argument("--no-corpus", action="store_true", help="generated decks only")
    parser.add_argument("--child", choices=["bare", "pipeline"], help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        fn = measure_bare if args.child == "bare" else measure_pipeline
        result = fn(args.path) if args.child == "bare" else fn(args.path, args.fmt)
        print(json.dumps(result))
        return 0

    from courses.conversion.sample import build_sample_deck

    work = Path(tempfile.mkdtemp(prefix="bench-decks-"))
    decks: list[tuple[str, Path]] = []
    for n in (10, 50) if args.quick else (10, 50, 200):
        decks.append((f"generated-{n}", build_sample_deck(work / f"deck{n}.pptx", n)))
    if not args.quick and not args.no_corpus and CORPUS.is_dir():
        decks += [(p.name, p) for p in sorted(CORPUS.iterdir())]

    header = (
        f"{'deck':44} {'slides':>6} {'bare s':>7} {'total s':>7} {'ratio':>5} "
        f"{'ms/sl':>6} {'text s':>6} {'LO s':>6} {'img s':>6} {'peak MB':>7} "
        f"{'bare MB':>7} {'img MB':>6}"
    )
    print(f"format={args.fmt}  (bare = soffice --convert-to pdf, hidden slides exported)")
    print(header)
    print("-" * len(header))
    figures: dict[str, float | int] = {}
    corpus_ok = corpus_err = 0
    for name, path in decks:
        pipe = _child("pipeline", path, args.fmt)
        if "error" in pipe:
            print(f"{name[:44]:44} {'':>6} {'':>7} {'':>7} {'':>5}  refused: {pipe['error']}")
            corpus_err += not name.startswith("generated")
            continue
        bare = _child("bare", path, args.fmt)
        ratio = pipe["seconds"] / bare["seconds"] if bare.get("seconds") else float("nan")
        ms = pipe["seconds"] * 1000 / max(pipe["slides"], 1)
        print(
            f"{name[:44]:44} {pipe['slides']:>6} {bare['seconds']:>7.2f} "
            f"{pipe['seconds']:>7.2f} {ratio:>5.2f} {ms:>6.0f} {pipe['text_ready']:>6.2f} "
            f"{pipe['soffice']:>6.2f} {pipe['raster']:>6.2f} {pipe['peak_mb']:>7.0f} "
            f"{bare['peak_mb']:>7.0f} {pipe['image_mb']:>6.1f}"
        )
        if name.startswith("generated-"):
            n = name.split("-")[1]
            figures[f"ratio_{n}"] = round(ratio, 2)
            figures[f"total_{n}_s"] = round(pipe["seconds"], 2)
            figures[f"bare_{n}_s"] = round(bare["seconds"], 2)
            figures[f"text_ready_{n}_s"] = round(pipe["text_ready"], 2)
            figures[f"ms_per_slide_{n}"] = round(ms)
            figures[f"peak_mb_{n}"] = round(pipe["peak_mb"])
        else:
            corpus_ok += 1
    shutil.rmtree(work, ignore_errors=True)
    if not args.quick and not args.no_corpus:
        figures["corpus_converted"] = corpus_ok
        figures["corpus_refused"] = corpus_err
    print("RESULT " + " ".join(f"{k}={v}" for k, v in figures.items()) + f" fmt={args.fmt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
