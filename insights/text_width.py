"""How wide text is in columns of a fixed-width grid, for cutting labels and sizing columns:
a Chinese character is about as wide as two Latin letters, and so are the quotation marks
a Chinese font draws full width (“”, East Asian "ambiguous")."""

import unicodedata


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WFA" else 1 for char in text)
