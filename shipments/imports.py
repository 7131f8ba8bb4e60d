"""A container's samples from a spreadsheet (CSV or .xlsx), and the template to fill in.

One row per sample: its position, name, catalogue sample, description, the technique's plan
fields (empty cells take the plan's defaults) and comments. Every row is checked by
`Item.full_clean` as a form would; nothing is saved unless every row is valid.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from . import plans
from .models import Item, ItemKind

MAX_BYTES = 1024 * 1024
# A spreadsheet is read no further than this: a puck holds 16, a plate 96.
MAX_ROWS = 500
BASE_COLUMNS = ["position", "name", "catalogue_sample", "description"]
REQUIRED = ["position", "name"]
XLSX_MAGIC = b"PK\x03\x04"


class ImportRefused(Exception):
    """The file as a whole cannot be read: the message says why, for people."""


@dataclass(frozen=True)
class RowError:
    row: int
    message: str


def columns(schema: plans.Schema) -> list[str]:
    return [*BASE_COLUMNS, *(f.key for f in schema.fields), plans.COMMENTS]


def read(upload, schema: plans.Schema) -> list[tuple[int, dict[str, str]]]:
    """The rows of an uploaded file as (spreadsheet row number, {column: text}), blank rows
    left out; raises ImportRefused for a file that is not a sample sheet."""
    name = (upload.name or "").lower()
    if upload.size > MAX_BYTES:
        raise ImportRefused(
            f"The file is {upload.size / 1024 / 1024:.1f} MB: a sample sheet is at most "
            f"{MAX_BYTES // 1024 // 1024} MB."
        )
    data = upload.read()
    if not data.strip():
        raise ImportRefused("The file is empty: fill in the template, one row per sample.")
    if name.endswith(".xlsx"):
        table = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        table = _csv_rows(data)
    else:
        raise ImportRefused(
            f"“{upload.name}” is not a sample sheet: upload a .csv or .xlsx file "
            "(download the template below)."
        )
    return _records(table, schema)


def _csv_rows(data: bytes) -> list[list[str]]:
    if data.startswith(XLSX_MAGIC):
        raise ImportRefused("This is a spreadsheet saved with a .csv name: save it as .xlsx.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # what Excel on Windows saves as CSV
    try:
        # Excel saves "CSV" with semicolons where the decimal mark is a comma.
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(itertools.islice(csv.reader(io.StringIO(text), dialect), MAX_ROWS + 1))
    except csv.Error as error:  # a field over csv's size limit, a stray NUL byte...
        raise ImportRefused(f"This CSV file cannot be read ({error}).") from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    # openpyxl raises whatever its XML and zip readers raise on a damaged file: any of it
    # means the same to the person uploading.
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            width = len(columns(plans.MX)) + 10
            return [
                ["" if cell is None else _cell(cell) for cell in row]
                for row in sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=width, values_only=True)
            ]
        finally:
            book.close()
    except Exception:
        raise ImportRefused(
            "This .xlsx file cannot be read: save it again from your spreadsheet."
        ) from None


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1.0 from a spreadsheet is position 1
    return str(value).strip()


def _records(table: list[list[str]], schema: plans.Schema) -> list[tuple[int, dict[str, str]]]:
    if not table:
        raise ImportRefused("The file is empty: fill in the template, one row per sample.")
    header = [_column_name(cell) for cell in table[0]]
    known = columns(schema)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportRefused(
            f"The first row should name the columns ({', '.join(known)}); "
            f"missing: {', '.join(missing)}."
        )
    unknown = [c for c in header if c and c not in known]
    if unknown:
        raise ImportRefused(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"The columns are: {', '.join(known)}."
        )
    if len(table) > MAX_ROWS:
        raise ImportRefused(f"More than {MAX_ROWS} rows: one sheet fills one container.")
    records = []
    for number, row in enumerate(table[1:], start=2):
        record = {name: str(v).strip() for name, v in zip(header, row, strict=False) if name}
        if any(record.values()):
            records.append((number, record))
    if not records:
        raise ImportRefused("The file has no samples: fill in one row per sample below the header.")
    return records


def _column_name(cell) -> str:
    return str(cell or "").strip().lower().replace(" ", "_").replace("-", "_")


def save(
    *, container: Item, records: list[tuple[int, dict[str, str]]], replace: bool
) -> tuple[int, list[RowError]]:
    """Every row as a sample of `container`, or none: (how many saved, what is wrong per row)."""
    investigation = container.parcel.shipment.investigation
    schema = plans.schema_for(investigation)
    samples = {s.name.lower(): s for s in investigation.samples.all()}
    errors: list[RowError] = []
    with transaction.atomic():
        if replace:
            container.contents.all().delete()
        for number, record in records:
            problems = []
            item = _item(container, record, schema, samples, problems)
            if not problems:
                try:
                    item.full_clean()
                except ValidationError as error:
                    problems += _messages(error)
            if problems:
                errors += [RowError(number, p) for p in problems]
            else:
                try:
                    with transaction.atomic():
                        item.save()
                except IntegrityError:  # someone filled the position meanwhile
                    errors.append(RowError(number, f"position {item.position} is already taken."))
        if errors:
            transaction.set_rollback(True)
            return 0, errors
    return len(records), []


def _item(container, record, schema, samples, problems: list[str]) -> Item:
    item = Item(
        parcel=container.parcel,
        container=container,
        kind=ItemKind.SAMPLE,
        name=record.get("name", ""),
        description=record.get("description", ""),
    )
    position = record.get("position", "")
    if position.isdigit() and len(position) < 6:
        item.position = int(position)
    else:
        problems.append(
            f"position “{position}” should be a number, e.g. 1."
            if position
            else "position is empty."
        )
    sample_name = record.get("catalogue_sample", "")
    if sample_name:
        item.sample = samples.get(sample_name.lower())
        if item.sample is None:
            name = container.parcel.shipment.investigation.name
            problems.append(f"catalogue sample “{sample_name}” is not a sample of {name}.")
    plan = {}
    for field in schema.fields:
        value = record.get(field.key) or field.default
        if value:
            try:
                plan[field.key] = field.parse(value)
            except ValueError as error:
                problems.append(f"{field.key} “{value}” should be {error}.")
    if record.get(plans.COMMENTS):
        plan[plans.COMMENTS] = record[plans.COMMENTS]
    item.experiment_plan = plan
    return item


def _messages(error: ValidationError) -> list[str]:
    out = []
    for field, messages in error.message_dict.items():
        for message in messages:
            if field in ("position", "container", "__all__"):
                out.append(message[0].lower() + message[1:] if message[:1].isupper() else message)
            else:
                out.append(f"{ {'sample': 'catalogue_sample'}.get(field, field) }: {message}")
    return out


def template_rows(container: Item, schema: plans.Schema) -> list[list[str]]:
    """The header and one example row (the first catalogue sample, the plan's defaults)."""
    first = container.parcel.shipment.investigation.samples.order_by("name").first()
    example = {
        "position": "1",
        "name": f"{first.name}-1" if first else "crystal-1",
        "catalogue_sample": first.name if first else "",
        "description": "",
        plans.COMMENTS: "",
        **{f.key: f.default for f in schema.fields},
    }
    header = columns(schema)
    return [header, [_safe(example[c]) for c in header]]


def _safe(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def template_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8 (Å, µl)


def template_xlsx(rows: list[list[str]], schema: plans.Schema) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Samples"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, name in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", rows[0], strict=False):
        sheet.column_dimensions[letter].width = max(12, len(name) + 2)
    help_sheet = book.create_sheet("Columns")
    help_sheet.append(["column", "meaning"])
    for line in _column_help(schema):
        help_sheet.append(line)
    help_sheet.column_dimensions["A"].width = 22
    help_sheet.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column_help(schema: plans.Schema) -> list[list[str]]:
    lines = [
        ["position", "The sample's position in the container, from 1 (required)."],
        ["name", "The sample's name, as written on the pin (required)."],
        ["catalogue_sample", "The proposal's sample it is (optional, by name)."],
        ["description", "Optional."],
    ]
    for field in schema.fields:
        allowed = (
            ", ".join(key for key, _ in field.choices)
            if field.choices
            else f"{field.low}–{field.high}{field.unit_suffix}"
            if field.low is not None
            else "text"
        )
        lines.append([field.key, f"{field.label}: {allowed}. Empty: {field.default or 'none'}."])
    lines.append([plans.COMMENTS, "Anything else for the beamline, in your own words."])
    return lines
