"""Exit non-zero if a .po file has untranslated or fuzzy entries (run after makemessages)."""

import sys

import polib


def main(path: str) -> int:
    po = polib.pofile(path)
    missing = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    for msgid in missing:
        print(f"{path}: untranslated: {msgid!r}")  # noqa: T201
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
