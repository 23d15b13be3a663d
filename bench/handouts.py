"""Benchmark handout PDFs: a 200-slide deck in every layout, and a 10-lecture course set.

The decks are generated with python-pptx (a distinct picture per slide, as in real lectures)
and converted by our LibreOffice export once; that conversion is not timed. For each layout:
seconds, pages, and the size against the deck's own PDF, measured in the same run.

    .venv/bin/python bench/handouts.py [--slides 200] [--lectures 10] [--repeat 3]

Goals (issue 6): 200 slides 6-up within 1.5 s and 1.3 × the source PDF; the set within 10 s.
The last line is ``RESULT key=value ...``.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LAYOUTS = ("1", "2", "3", "4", "6", "9", "notes", "outline")


def converted(pptx: Path, out_dir: Path):
    """(DeckSource, pdf) of a generated deck through our LibreOffice export."""
    from courses.conversion import convert_to_pdf, extract_deck
    from courses.handouts import DeckSource, SlideSource

    pdf = convert_to_pdf(pptx, out_dir, timeout=900)
    content = extract_deck(pptx)
    slides = [
        SlideSource(s.number, s.title, s.paragraphs, s.tables, s.notes, s.hidden)
        for s in content.slides
    ]
    return DeckSource(title=content.title or pptx.stem, slides=slides, pdf_path=pdf), pdf


def article(number: int):
    from courses.handouts import ArticleSource, Heading, Quote, RichText, Table

    text = "电子政务是指国家机关在政务活动中，全面应用现代信息技术、网络技术以及办公自动化技术。"
    return ArticleSource(
        title=f"Theory {number}: 信息化基础",
        summary="What every member should know before the next lecture.",
        blocks=[
            Heading("概念"),
            RichText(
                "".join(f"<p>{text} Paragraph {i} of the article. " * 3 + "</p>" for i in range(8))
            ),
            Table(
                [
                    ["阶段", "特点"],
                    ["起步", "办公自动化"],
                    ["发展", "网上办事"],
                    ["深化", "数据共享"],
                ]
            ),
            Quote("公文处理应当坚持实事求是、准确规范、精简高效、安全保密的原则。", "第三条"),
        ],
    )


def timed(function, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slides", type=int, default=200)
    parser.add_argument("--lectures", type=int, default=10)
    parser.add_argument("--lecture-slides", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()

    from courses.conversion.sample import build_sample_deck
    from courses.handouts import HandoutOptions, build_course_handout, build_deck_handout

    options = HandoutOptions(
        course_title="Digital office basics",
        organisation="elearn demo society",
        date=datetime.date(2026, 11, 25),
    )
    results: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-handouts-") as tmp:
        tmp_path = Path(tmp)
        print(f"converting a {args.slides}-slide deck (not timed)…", flush=True)
        big = build_sample_deck(tmp_path / "big.pptx", args.slides, title="Sample lecture")
        deck, pdf = converted(big, tmp_path / "big")
        source_size = pdf.stat().st_size
        print(f"source PDF: {source_size / 1e6:.2f} MB, {len(deck.slides)} slides")
        # Warm-up: font files parsed and registered once per process, as in a worker.
        build_deck_handout(deck, options, tmp_path / "warm.pdf")
        print(f"{'layout':>8} {'seconds':>8} {'pages':>6} {'size MB':>8} {'× source':>9}")
        for layout in LAYOUTS:
            out = tmp_path / f"{layout}.pdf"
            layout_options = HandoutOptions(**{**options.__dict__, "layout": layout})
            seconds = timed(
                lambda o=layout_options, p=out: build_deck_handout(deck, o, p), args.repeat
            )
            result = build_deck_handout(deck, layout_options, out)
            ratio = out.stat().st_size / source_size
            print(
                f"{layout:>8} {seconds:8.2f} {result.pages:6d} "
                f"{out.stat().st_size / 1e6:8.2f} {ratio:9.2f}"
            )
            results[f"l{layout}_s"] = f"{seconds:.2f}"
            results[f"l{layout}_ratio"] = f"{ratio:.2f}"

        print(
            f"converting {args.lectures} decks of {args.lecture_slides} slides (not timed)…",
            flush=True,
        )
        parts = []
        for number in range(1, args.lectures + 1):
            pptx = build_sample_deck(
                tmp_path / f"lecture{number}.pptx",
                args.lecture_slides,
                title=f"Lecture {number}",
            )
            lecture, _pdf = converted(pptx, tmp_path / f"lecture{number}")
            lecture.section = f"Part {(number + 1) // 2}"
            parts.append(lecture)
            if number % 2 == 0:
                parts.append(article(number))
        course_options = HandoutOptions(
            **{
                **options.__dict__,
                "course_title": "加强机关信息化建设，提高工作效率",
                "duplex": True,
            }
        )
        out = tmp_path / "course.pdf"
        started = time.perf_counter()
        result = build_course_handout(parts, course_options, out)
        cold = time.perf_counter() - started  # includes cutting the CJK font subset
        warm = timed(lambda: build_course_handout(parts, course_options, out), args.repeat)
        sources = sum(part.pdf_path.stat().st_size for part in parts if hasattr(part, "pdf_path"))
        print(
            f"course set: {args.lectures} lectures + {len(parts) - args.lectures} articles, "
            f"{result.pages} pages, {cold:.2f} s first (fonts cut), {warm:.2f} s after, "
            f"{out.stat().st_size / 1e6:.2f} MB ({out.stat().st_size / sources:.2f} × the decks)"
        )
        results["course_s"] = f"{cold:.2f}"
        results["course_warm_s"] = f"{warm:.2f}"
        results["course_pages"] = str(result.pages)
    six, ratio = float(results["l6_s"]), float(results["l6_ratio"])
    print(
        f"goals: 6-up {six:.2f} s (≤ 1.5) {'met' if six <= 1.5 else 'MISSED'}, "
        f"{ratio:.2f} × (≤ 1.3) {'met' if ratio <= 1.3 else 'MISSED'}, "
        f"set {float(results['course_s']):.2f} s (≤ 10) "
        f"{'met' if float(results['course_s']) <= 10 else 'MISSED'}"
    )
    print("RESULT " + " ".join(f"{key}={value}" for key, value in results.items()))


if __name__ == "__main__":
    main()
