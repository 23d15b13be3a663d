"""The CJK segmentation, query rewriting, excerpts and reading time (pure functions)."""

import pytest

from courses.search_text import (
    MAX_QUERY_TERMS,
    excerpt,
    query_terms,
    reading_minutes,
    segment_for_index,
    segment_query,
)


def test_index_text_holds_characters_and_bigrams_of_cjk_only():
    indexed = segment_for_index(["加强机关信息化建设 and English", None, "信息"]).split()
    assert {"加", "信息", "息化", "化建", "建设"} <= set(indexed)
    assert "English" not in indexed
    assert len(indexed) == len(set(indexed)), "duplicates are left out"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("信息化", "信息 息化"),
        ("税", "税"),
        ("Excel 表格", "Excel 表格"),
        ("机关信息化 training", "机关 关信 信息 息化 training"),
        ('unbalanced "quote', "unbalanced quote"),
        ("(NEAR* OR -x)", "NEAR OR x"),
        ("***", ""),
        (
            "加强机关信息化建设，提高工作效率",
            "加强 强机 机关 关信 信息 息化 化建 建设 提高 高工 工作 作效 效率",
        ),
    ],
)
def test_segment_query(query, expected):
    assert segment_query(query) == expected


def test_segment_query_keeps_each_term_once_and_the_first_few():
    assert segment_query("信息化" * 60) == "信息 息化 化信"
    words = [f"w{i}" for i in range(100)]
    assert segment_query(" ".join(words)) == " ".join(words[:MAX_QUERY_TERMS])


def test_query_terms_keep_whole_cjk_runs_for_highlighting():
    assert query_terms("机关信息化 records!") == ["机关信息化", "records"]


def test_excerpt_marks_the_match_and_trims_around_it():
    text = "开头" + "。" * 200 + "推进信息化建设，可以提高工作效率。" + "尾" * 200
    fragments = excerpt(text, "信息化")
    marked = [f.text for f in fragments if f.match]
    assert marked == ["信息化"]
    assert fragments[0].text == "…" and fragments[-1].text == "…"
    assert sum(len(f.text) for f in fragments) <= 160 + 2


def test_excerpt_cuts_no_latin_word_in_half():
    text = (
        "Keep one copy of each file. " * 3 + "Step for Minutes and records. " + "Tail words. " * 20
    )
    fragments = excerpt(text, "records")
    shown = "".join(f.text for f in fragments).strip("…")
    assert shown.split()[0] in text.split() and shown.split()[-1] in text.split()
    chinese = "开头" + "。" * 100 + "推进信息化建设" + "尾" * 100
    assert [f.text for f in excerpt(chinese, "信息化") if f.match] == ["信息化"]


def test_excerpt_falls_back_to_bigrams_when_the_term_is_not_contiguous():
    fragments = excerpt("信息技术与化学", "信息化")
    assert fragments is None or all(f.text in {"信息"} for f in fragments if f.match)
    assert [f.text for f in excerpt("我们的信息和息化", "信息化") if f.match] == ["信息", "息化"]


def test_excerpt_is_case_insensitive_and_none_without_match():
    assert [f.text for f in excerpt("Records Management", "records") if f.match] == ["Records"]
    assert excerpt("nothing here", "absent") is None
    assert excerpt("", "x") is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("word " * 200, 1),
        ("word " * 1000, 5),
        ("字" * 600, 2),
        ("word " * 200 + "字" * 300, 2),
        ("", 1),
    ],
)
def test_reading_minutes(text, minutes):
    assert reading_minutes(text) == minutes
