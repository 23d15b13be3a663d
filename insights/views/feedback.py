"""The survey's answers under Forms in the admin (Wagtail's listing and downloads)."""

from wagtail.contrib.forms.views import SubmissionsListView

from ..spreadsheets import ExcelReadableCsv, as_text_cell


class FeedbackSubmissionsListView(ExcelReadableCsv, SubmissionsListView):
    """Wagtail's answers listing; in the CSV download, answers that would start a spreadsheet
    formula stay text and Excel reads Chinese (``insights.spreadsheets``). Wagtail's XLSX is
    safe as it is."""

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return as_text_cell(value) if export_format == self.FORMAT_CSV else value
