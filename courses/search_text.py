"""Search text for Chinese (and other CJK) content, on every search backend.

Wagtail's database backends tokenise a run of CJK characters as one word: on SQLite (FTS5) and
PostgreSQL a page titled 加强机关信息化建设 is found only by its whole title. So pages index an
extra copy of their CJK text cut into single characters and overlapping pairs (bigrams), and
queries are cut the same way: 信息化 becomes 信息 息化, and with the AND operator a page must
hold both pairs. Bigrams need no dictionary, so nothing is missed for words a segmenter does
not know (names, new terms), which matters more for a small training site than ranking.

Pure functions, no Django.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Han (incl. extension A and compatibility), kana and hangul: scripts written without spaces.
CJK_RUN = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]+"
)
WORD = re.compile(r"\w+", re.UNICODE)


def cjk_tokens(run: str, *, unigrams: bool) -> list[str]:
    """Cut one run of CJK characters into overlapping pairs (and single characters if asked)."""
    if len(run) == 1:
        return [run]
    tokens = [run[i : i + 2] for i in range(len(run) - 1)]
    if unigrams:
        tokens = list(run) + tokens
    return tokens


def segment_for_index(texts: Iterable[str | None]) -> str:
    """The CJK parts of ``texts`` as space-separated characters and bigrams, for the index.

    Non-CJK text is left out: the page's own fields already index it. Duplicates are kept out
    so long documents do not bloat the index.
    """
    seen: dict[str, None] = {}
    for text in texts:
        for run in CJK_RUN.findall(text or ""):
            for token in cjk_tokens(run, unigrams=True):
                seen.setdefault(token, None)
    return " ".join(seen)


# The search backends nest one expression per term (PostgreSQL's overflows Python's stack at
# about 130), and a pasted Chinese sentence of 200 characters is 199 bigrams. The first 32
# distinct terms, a passage of some 33 characters, still pick out the page it came from.
MAX_QUERY_TERMS = 32


def segment_query(query: str) -> str:
    """Rewrite a search query into plain words, with CJK runs cut into the indexed bigrams,
    each term once and at most MAX_QUERY_TERMS of them.

    Punctuation goes: search engines read quotes, stars and brackets as syntax (SQLite's FTS5
    fails on an unbalanced quote), and people type them by accident far more often than on
    purpose.
    """
    words = " ".join(WORD.findall(query.replace("_", " ")))
    terms = CJK_RUN.sub(
        lambda m: " " + " ".join(cjk_tokens(m.group(), unigrams=False)) + " ", words
    ).split()
    return " ".join(list(dict.fromkeys(terms))[:MAX_QUERY_TERMS])


def query_terms(query: str) -> list[str]:
    """The terms a person typed, for highlighting: whole CJK runs and other words."""
    terms: list[str] = []
    for chunk in query.split():
        for part in re.split(f"({CJK_RUN.pattern})", chunk):
            if CJK_RUN.fullmatch(part):
                terms.append(part)
            else:
                terms.extend(WORD.findall(part))
    return [t for t in terms if t]


@dataclass(frozen=True)
class Fragment:
    """A piece of an excerpt; ``match`` marks the text that matched the query."""

    text: str
    match: bool = False


def _word_char(char: str) -> bool:
    """A letter or digit of a script that separates words with spaces."""
    return char.isalnum() and not CJK_RUN.fullmatch(char)


def excerpt(text: str, query: str, width: int = 160) -> list[Fragment] | None:
    """A short excerpt of ``text`` around the first place the query matched, or None.

    Whole terms are tried first; a CJK term not found whole falls back to its bigrams, which is
    how the search itself matched it.
    """
    if not text:
        return None
    text = " ".join(text.split())
    terms = query_terms(query)
    patterns = [re.escape(t) for t in terms]
    fallback = [
        re.escape(b) for t in terms if CJK_RUN.fullmatch(t) for b in cjk_tokens(t, unigrams=False)
    ]
    for alternatives in (patterns, fallback):
        if not alternatives:
            continue
        # Longest first, so "信息化" wins over "信息" when both are terms.
        regex = re.compile("|".join(sorted(alternatives, key=len, reverse=True)), re.IGNORECASE)
        first = regex.search(text)
        if first:
            break
    else:
        return None
    start = max(0, first.start() - width // 3)
    end = min(len(text), start + width)
    # Not in the middle of a word ("…ep for Minutes"): a Latin word cut at either end is
    # left out; CJK text has no spaces and may be cut anywhere.
    if start > 0 and _word_char(text[start - 1]) and _word_char(text[start]):
        space = text.find(" ", start, first.start())
        if space != -1:
            start = space + 1
    if end < len(text) and _word_char(text[end - 1]) and _word_char(text[end]):
        space = text.rfind(" ", first.end(), end)
        if space != -1:
            end = space
    window = text[start:end]
    fragments: list[Fragment] = []
    if start > 0:
        fragments.append(Fragment("…"))
    pos = 0
    for m in regex.finditer(window):
        if m.start() > pos:
            fragments.append(Fragment(window[pos : m.start()]))
        fragments.append(Fragment(m.group(), match=True))
        pos = m.end()
    if pos < len(window):
        fragments.append(Fragment(window[pos:]))
    if end < len(text):
        fragments.append(Fragment("…"))
    return fragments


def reading_minutes(text: str, words_per_minute: int = 200, cjk_per_minute: int = 300) -> int:
    """Minutes a reader needs for ``text``: words for spaced scripts, characters for CJK."""
    cjk_chars = sum(len(run) for run in CJK_RUN.findall(text))
    words = len(WORD.findall(CJK_RUN.sub(" ", text)))
    minutes = words / words_per_minute + cjk_chars / cjk_per_minute
    return max(1, round(minutes + 0.49))
