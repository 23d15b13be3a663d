"""Merge a {msgid: translation} table into a .po file, leaving existing translations alone.

Usage: python locale/tools/fill_translations.py locale/zh_Hans/LC_MESSAGES/django.po TABLE.py
TABLE.py defines ZH (singular strings) and PLURALS (msgid → translation for all forms).
Needs polib (pip install polib); a maintainer's tool, not a runtime dependency.
"""

import runpy
import sys

import polib


def main(po_path: str, table_path: str) -> None:
    table = runpy.run_path(table_path)
    po = polib.pofile(po_path)
    missing = []
    for entry in po:
        if "fuzzy" in entry.flags:
            # A guess from a similar string: never keep it, take the table's or nothing.
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
        if entry.msgid_plural:
            text = table["PLURALS"].get(entry.msgid)
            if text and not any(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: text}
        elif not entry.msgstr:
            text = table["ZH"].get(entry.msgid)
            if text:
                entry.msgstr = text
        if not (entry.msgstr or any(entry.msgstr_plural.values())):
            missing.append(entry.msgid)
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Project-Id-Version"] = "elearn"
    po.metadata_is_fuzzy = False
    po.header = "Simplified Chinese translation of elearn."
    po.save()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")  # noqa: T201


if __name__ == "__main__":
    main(*sys.argv[1:])
