"""People's names as they are written: "Ada Lovelace", but "李明" (family name first, no space)."""

import unicodedata

from django.utils.translation import pgettext


def _is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalpha() for ch in text)


def full_name(user) -> str:
    """The user's first and last names in their own script's order ("Ada Lovelace", "李明"),
    or "" when they gave none: ``get_full_name`` for every screen that shows a user, Wagtail's
    included (``courses.apps``)."""
    first = (user.first_name or "").strip()
    last = (user.last_name or "").strip()
    if _is_cjk(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def person_name(user) -> str:
    """The member's full name in their own script's order, or their username."""
    return full_name(user) or user.get_username()


def split_full_name(name: str) -> tuple[str, str]:
    """(first name, last name) from one "name" as people write it: "Ada Lovelace" → ("Ada",
    "Lovelace"); "李明" → ("明", "李"). A two-character family name (欧阳, 司马) splits one
    character off too early, but ``person_name`` joins the parts again without a space, so the
    name reads the same."""
    name = " ".join(name.split())
    if _is_cjk(name):  # family name first, with or without a space: 李明, 李 明
        name = name.replace(" ", "")
        return name[1:], name[:1]
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (last, "")


def join_list(items) -> str:
    """Items joined by the reader's language's list separator: "a, b"; "a、b" in Chinese."""
    return pgettext("between items in a list", ", ").join(items)


def join_names(names) -> str:
    """Several people's names in a line: "Ada Lovelace, Alan Turing", but "李明、王芳" (the
    enumeration comma between Chinese names)."""
    names = [name for name in names if name]
    return ("、" if names and all(_is_cjk(name) for name in names) else ", ").join(names)
