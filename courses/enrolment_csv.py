"""Bulk enrolment from a CSV file: read every row, say what is wrong with each, and apply
all of them in one transaction or none at all.

Columns (header row required, any order, case-insensitive): ``email`` or ``username`` (one of
them identifies the person), and for new accounts ``first_name``, ``last_name`` or one ``name``.
Each also goes by the names other systems and people give it (``COLUMN_NAMES``: "E-mail",
"Surname", 邮箱, 姓名…); columns it does not know are listed in the report, not silently dropped.
Chinese names are fine; the file may be UTF-8 (with or without BOM) or GB18030, as Excel saves
it in China.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .enrolments import EnrolmentRefused, enrol, queue_invitation
from .models import Enrolment
from .names import join_list, split_full_name
from .roles import add_member

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024

# The columns read, and what they are called in sheets exported from other systems or typed by
# hand, in English and Chinese (compared lower-cased, with "_" and "-" as spaces).
COLUMN_NAMES = {
    "email": (
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "邮箱",
        "电子邮箱",
        "电子邮件",
        "邮件地址",
    ),
    "username": ("username", "user name", "login", "用户名", "账号", "帐号"),
    "first_name": ("first name", "firstname", "given name", "forename", "名"),
    "last_name": ("last name", "lastname", "surname", "family name", "姓"),
    "name": ("name", "full name", "姓名"),
}
_COLUMN_BY_NAME = {alias: column for column, aliases in COLUMN_NAMES.items() for alias in aliases}
# Keys for the values not read: under a heading not used, or under none at all.
_UNUSED, _STRAY = "\x00unused", "\x00stray"


class CsvProblem(Exception):
    """The file as a whole cannot be read (not CSV, no header, too big)."""


@dataclass
class RowResult:
    line: int
    who: str
    outcome: str = ""  # "enrolled", "already", "created", "failed"
    message: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    applied: bool = False
    # Columns of the file that none of COLUMN_NAMES matched, as the file names them.
    unused_columns: list[str] = field(default_factory=list)
    # And those read, as the file names them ("E-mail", "姓名").
    read_columns: list[str] = field(default_factory=list)
    # Lines with values under no heading at all (an empty heading, or past the header's end).
    stray_lines: list[int] = field(default_factory=list)

    @property
    def failed(self) -> list[RowResult]:
        return [row for row in self.rows if row.outcome == "failed"]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)


@dataclass
class CsvRows:
    """A file as read: its rows, keyed by COLUMN_NAMES' keys, with their line numbers, and
    what in it will not be read (for the person to be told)."""

    rows: list[tuple[int, dict[str, str]]]
    unused_columns: list[str]
    stray_lines: list[int]
    read_columns: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CsvProblem(_("The file is larger than 2 MB; split it into smaller files."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvProblem(_("The file is not text in UTF-8 or GB18030. Save it as CSV UTF-8."))


def _column(heading: str) -> str | None:
    """Which of COLUMN_NAMES a heading means, or None."""
    return _COLUMN_BY_NAME.get(
        " ".join(heading.lower().replace("_", " ").replace("-", " ").split())
    )


def read_rows(text: str) -> CsvRows:
    """The rows of a file, and the headings and lines whose values will not be read."""
    if "\x00" in text:
        raise CsvProblem(_("This is not a CSV file. Save the sheet as CSV UTF-8."))
    if not text.strip():
        raise CsvProblem(_("The file is empty."))
    try:
        # The sniffer reads lines split at "\n" only: a file from an old Mac ends them in "\r".
        sample = re.sub(r"\r\n?", "\n", text[:4096])
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": lines end at "\r\n", "\n" or "\r" alike, and the csv module sees a line break
    # inside a quoted value as it is (the csv module's documented way to open a file).
    # strict: a quotation mark never closed is an error, not the rest of the file run together
    # into one row reported under the wrong line.
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect, strict=True)
    try:
        # A GB18030 file may start with its own byte-order mark, which decoding keeps.
        headings = [name.strip().lstrip("\ufeff") for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise _unreadable(exc, 1) from exc
    header = [_column(heading) for heading in headings]
    if "email" not in header and "username" not in header:
        raise CsvProblem(_("The first row must name the columns, with “email” or “username”."))
    for column in dict.fromkeys(read for read in header if read):  # in the file's order
        same = [heading for heading, read in zip(headings, header, strict=True) if read == column]
        if len(same) > 1:
            raise CsvProblem(
                _("The columns %(columns)s hold the same thing; keep one of them.")
                % {"columns": quoted(same)}
            )
    unused = [h for h, read in zip(headings, header, strict=True) if read is None and h]
    # Keys of our own for what is not read, so that values under an empty heading or past the
    # header's end (csv's rest key) can be told from those under a named column not used.
    reader.fieldnames = [
        read or (_UNUSED if heading else _STRAY) + str(i)
        for i, (heading, read) in enumerate(zip(headings, header, strict=True))
    ]
    reader.restkey = _STRAY
    rows, stray = [], []
    start = reader.line_num + 1  # where the row being read begins
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise CsvProblem(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
            cleaned = {k: (v or "").strip() for k, v in row.items() if k in COLUMN_NAMES}
            if any(cleaned.values()):
                rows.append((reader.line_num, cleaned))
                if any(_has_text(v) for k, v in row.items() if k.startswith(_STRAY)):
                    stray.append(reader.line_num)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _unreadable(exc, start) from exc
    if not rows:
        raise CsvProblem(_("The file names its columns but lists nobody under them."))
    read = [heading for heading, column in zip(headings, header, strict=True) if column]
    return CsvRows(rows, unused, stray, read)


def _has_text(value) -> bool:
    values = value if isinstance(value, list) else [value]  # the rest key holds a list
    return any((v or "").strip() for v in values)


def file_notices(report: ImportReport) -> list[str]:
    """What to tell the person about parts of their file that were not read."""
    notices = []
    if report.unused_columns:
        notices.append(unused_columns_message(report.unused_columns, report.read_columns))
    if report.stray_lines:
        shown = ", ".join(str(line) for line in report.stray_lines[:5])
        if len(report.stray_lines) > 5:
            shown += ", …"
        notices.append(
            ngettext(
                "Line %(lines)s has values under no column heading; they were not read.",
                "Lines %(lines)s have values under no column heading; they were not read.",
                len(report.stray_lines),
            )
            % {"lines": shown}
        )
    return notices


def unused_columns_message(columns: list[str], read: list[str]) -> str:
    """What to tell the person about columns of their file that were not read, naming those
    that were as their file names them."""
    return ngettext(
        "The column %(columns)s was not read; the columns read are %(read)s. Columns "
        "understood: email, username, first name, last name, name (or 邮箱, 用户名, 名, 姓, 姓名).",
        "The columns %(columns)s were not read; the columns read are %(read)s. Columns "
        "understood: email, username, first name, last name, name (or 邮箱, 用户名, 名, 姓, 姓名).",
        len(columns),
    ) % {"columns": quoted(columns), "read": quoted(read)}


def quoted(headings: list[str]) -> str:
    """“E-mail”, “姓名” — with the reader's language's list separator (、 in Chinese)."""
    return join_list(f"“{h}”" for h in headings)


def _unreadable(error: csv.Error, line: int) -> CsvProblem:
    """What to tell the person about a line the csv module could not read."""
    if "unexpected end of data" in str(error):
        return CsvProblem(
            _(
                'Line %(line)s: a quotation mark (") is opened and never closed. Remove it or '
                "close it, and upload the file again."
            )
            % {"line": line}
        )
    return CsvProblem(
        _("Line %(line)s could not be read as CSV: %(error)s") % {"line": line, "error": error}
    )


def import_enrolments(
    data: bytes,
    course,
    *,
    by=None,
    create_accounts: bool = False,
    invite: bool = False,
    dry_run: bool = False,
) -> tuple[ImportReport, list]:
    """Enrol everyone listed in ``data`` into ``course``.

    Returns the report and the accounts created. Any failed row means nothing is applied;
    ``dry_run`` checks everything and applies nothing either. With ``invite``, each new
    account's invitation is queued for once the whole file is committed: no request waits
    for a mail server, and a file rolled back invites nobody.
    """
    read = read_rows(decode(data))
    User = get_user_model()
    report = ImportReport(
        unused_columns=read.unused_columns,
        read_columns=read.read_columns,
        stray_lines=read.stray_lines,
    )
    created_users = []
    try:
        with transaction.atomic():
            seen = set()
            for line, row in read.rows:
                email, username = row.get("email", ""), row.get("username", "")
                result = RowResult(line=line, who=email or username)
                report.rows.append(result)
                key = (email or username).lower()
                if key in seen:
                    result.outcome, result.message = "failed", _("Listed twice in this file.")
                    continue
                seen.add(key)
                if email:
                    try:
                        validate_email(email)
                    except ValidationError:
                        result.outcome = "failed"
                        result.message = _("“%(email)s” is not an email address.") % {
                            "email": email
                        }
                        continue
                    if too_long := _too_long(User, {"email": email}):
                        result.outcome, result.message = "failed", too_long
                        continue
                    matches = list(User.objects.filter(email__iexact=email)[:2])
                else:
                    matches = list(User.objects.filter(username=username)[:2])
                if len(matches) > 1:
                    result.outcome = "failed"
                    result.message = _("Several accounts have this email address.")
                    continue
                user = matches[0] if matches else None
                if user is None:
                    if not (create_accounts and email):
                        result.outcome = "failed"
                        result.message = (
                            _("No account with this email address or username.")
                            if not create_accounts
                            else _("A new account needs an email address.")
                        )
                        continue
                    fields = _account_fields(row, email)
                    if too_long := _too_long(User, fields):
                        result.outcome, result.message = "failed", too_long
                        continue
                    user = _create_account(User, fields)
                    created_users.append(user)
                    if invite:
                        queue_invitation(user, course)
                    result.outcome = "created"
                before = (
                    Enrolment.objects.filter(user=user, course=course)
                    .values_list("status", flat=True)
                    .first()
                )
                try:
                    # A new account's invitation names the course: no second email.
                    new = result.outcome == "created"
                    enrol(user, course, source=Enrolment.Source.CSV, by=by, tell=not new)
                except EnrolmentRefused as refused:
                    result.outcome, result.message = "failed", refused.message
                    continue
                if not result.outcome:
                    active = before == Enrolment.Status.ACTIVE
                    result.outcome = "already" if active else "enrolled"
                if before == Enrolment.Status.DECLINED:
                    # Listing someone is deliberate, but a trainer had said no: the admin sees
                    # it before the file is applied (a trial run shows it too).
                    result.message = _("Their request to join had been declined.")
            if report.failed or dry_run:
                raise _Rollback
            report.applied = True
    except _Rollback:
        created_users = []
    return report, created_users


class _Rollback(Exception):
    pass


def _too_long(User, values: dict[str, str]) -> str:
    """Why a value is longer than its account field holds (PostgreSQL would refuse it, SQLite
    keep it whole), or "" when all fit."""
    for name, value in values.items():
        field = User._meta.get_field(name)
        if field.max_length is not None and len(value) > field.max_length:
            return _("The %(field)s is longer than %(max)s characters.") % {
                "field": field.verbose_name,
                "max": field.max_length,
            }
    return ""


def _account_fields(row: dict[str, str], email: str) -> dict[str, str]:
    """A new account's values as the row gives them: a person's own name or username is
    refused when too long rather than cut short."""
    first, last = row.get("first_name", ""), row.get("last_name", "")
    if not (first or last):
        first, last = split_full_name(row.get("name", ""))
    return {
        "email": email,
        "username": row.get("username", ""),
        "first_name": first,
        "last_name": last,
    }


def _create_account(User, fields: dict[str, str]):
    # Made from the email address when the row has none: cut to leave room for a number.
    base = fields["username"] or fields["email"].split("@", 1)[0][:140]
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base[:140]}{n}"
    user = User.objects.create_user(
        username=username,
        email=fields["email"],
        first_name=fields["first_name"],
        last_name=fields["last_name"],
    )
    user.set_unusable_password()  # they choose one from the invitation
    user.save(update_fields=["password"])
    add_member(user)
    return user
