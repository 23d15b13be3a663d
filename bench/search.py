"""Search benchmark: what the CJK bigram index costs and how fast Chinese queries answer.

Builds a throwaway SQLite database with N generated articles (Chinese and English text), then
measures, in the same run:
  - indexing time per page with the bigram copy, against indexing the same pages without it
    (the baseline: Wagtail's own fields only);
  - query latency for Chinese part-word queries (bigram AND) against English word queries
    (the baseline the backend is built for).
Usage: python bench/search.py [--pages 300] [--queries 50]
Last line: RESULT key=value ...
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# 1500 common-range Han characters and 1500 made-up English words: a realistic spread of hits.
HAN = [chr(0x4E00 + i * 7) for i in range(1500)]
SYLLABLES = ["ka", "lo", "mi", "tra", "in", "po", "re", "si", "den", "ver", "ul", "ge"]
WORDS_EN = sorted({"".join(random.Random(i).choices(SYLLABLES, k=3)) for i in range(3000)})[:1500]
WORDS_ZH = ["".join(random.Random(i).choices(HAN, k=3)) for i in range(1500)]


def article_text(rng: random.Random, n: int) -> str:
    zh = "".join(rng.choice(WORDS_ZH) for _ in range(n)) + "。"
    en = " ".join(rng.choice(WORDS_EN) for _ in range(n // 2)) + "."
    return zh + " " + en


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    db_dir = tempfile.mkdtemp(prefix="elearn-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{db_dir}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "elearn.settings.test"
    os.environ["ELEARN_TASK_BACKEND"] = "dummy"  # index explicitly below, not through tasks
    import django

    django.setup()
    from django.core.management import call_command
    from wagtail.models import Page
    from wagtail.rich_text import RichText
    from wagtail.search.backends import get_search_backend

    from courses.models.pages import CJKSearchMixin as Mixin
    from courses.search_text import segment_query

    call_command("migrate", verbosity=0)
    rng = random.Random(42)
    root = Page.get_first_root_node()
    from courses.models import ArticlePage, CourseIndexPage, LibraryPage

    home = root.add_child(instance=CourseIndexPage(title="Bench", slug="bench"))
    library = home.add_child(instance=LibraryPage(title="Library", slug="library"))
    pages = []
    for i in range(args.pages):
        page = ArticlePage(
            title=f"{rng.choice(WORDS_ZH)}{rng.choice(WORDS_ZH)} {i}",
            slug=f"a{i}",
            summary=article_text(rng, 10),
            body=[("paragraph", RichText(f"<p>{article_text(rng, 200)}</p>"))],
        )
        library.add_child(instance=page)
        pages.append(page)

    backend = get_search_backend()

    def index_all() -> float:
        start = time.perf_counter()
        for page in pages:
            backend.add(page)
        return time.perf_counter() - start

    original = Mixin.search_cjk
    Mixin.search_cjk = lambda self: ""
    baseline_index = index_all()
    Mixin.search_cjk = original
    bigram_index = index_all()

    live = Page.objects.live()

    def time_queries(queries: list[str]) -> tuple[float, float]:
        times, hits = [], []
        for query in queries:
            start = time.perf_counter()
            results = live.search(segment_query(query), operator="and")
            list(results[:10])  # one page of results, as the search view shows
            hits.append(results.count())
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000, statistics.mean(hits)

    zh_queries = [rng.choice(WORDS_ZH) for _ in range(args.queries)]
    zh_part_queries = [w[1:] for w in zh_queries]  # the last two characters of a word
    en_queries = [rng.choice(WORDS_EN) for _ in range(args.queries)]
    en_ms, en_hits = time_queries(en_queries)
    zh_ms, zh_hits = time_queries(zh_queries)
    part_ms, part_hits = time_queries(zh_part_queries)

    print(f"pages: {args.pages}, queries: {args.queries} each")
    print(
        f"indexing, Wagtail fields only (baseline): {baseline_index / args.pages * 1000:.2f} ms/page"
    )
    print(
        f"indexing with the CJK bigram copy:        {bigram_index / args.pages * 1000:.2f} ms/page"
    )
    print(f"English word query (baseline): median {en_ms:.2f} ms, {en_hits:.0f} hits on average")
    print(f"Chinese word query:            median {zh_ms:.2f} ms, {zh_hits:.0f} hits on average")
    print(
        f"Chinese part-of-word query:    median {part_ms:.2f} ms, {part_hits:.0f} hits on average"
    )
    print(
        f"RESULT pages={args.pages} index_ratio={bigram_index / baseline_index:.2f} "
        f"zh_query_ms={zh_ms:.2f} en_query_ms={en_ms:.2f} zh_query_ratio={zh_ms / en_ms:.2f} "
        f"zh_part_hits={part_hits:.0f}"
    )


if __name__ == "__main__":
    main()
