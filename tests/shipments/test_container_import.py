"""A puck's samples from a CSV or .xlsx sheet: the template, all rows or none, and why not."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shipments import imports
from shipments.models import Item

HEADER = ["position", "name", "catalogue_sample", "required_resolution", "comments"]


@pytest.fixture
def puck(client, team, parcel) -> Item:
    team.investigation.samples.create(name="thaumatin")
    client.force_login(team.participant)
    return parcel.items.get(name="Puck A")


def _csv(rows: list[list], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode()


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, puck, name: str, content: bytes, **extra):
    return client.post(
        reverse("shipments:container-import", args=[puck.pk]),
        {"file": SimpleUploadedFile(name, content), **extra},
    )


def test_templates_have_the_techniques_columns_and_an_example_row(client, puck) -> None:
    response = client.get(reverse("shipments:container-template-csv", args=[puck.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="Puck-A-samples.csv"'
    header, example = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:4] == ["position", "name", "catalogue_sample", "description"]
    assert {"strategy", "required_resolution", "energy", "comments"} <= set(header)
    row = dict(zip(header, example, strict=True))
    assert (row["position"], row["catalogue_sample"], row["required_resolution"]) == (
        "1",
        "thaumatin",
        "2.0",
    )

    response = client.get(reverse("shipments:container-template-xlsx", args=[puck.pk]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Samples", "Columns"]
    rows = list(book["Samples"].iter_rows(values_only=True))
    assert list(rows[0]) == header and rows[1][1] == "thaumatin-1"
    meanings = dict(book["Columns"].iter_rows(values_only=True))
    assert meanings["energy"] == "Energy: 5–30 keV. Empty: 12.7."


def test_a_valid_sheet_fills_the_puck_from_csv_excel_csv_or_xlsx(client, puck) -> None:
    rows = [
        HEADER,
        [5, "thaumatin-5", "thaumatin", "1.6", "Collect first, please"],
        [6, "thaumatin-6", "", "", ""],
        ["", "", "", "", ""],  # a blank line is no sample
    ]
    # Excel writes "CSV" with semicolons where the decimal mark is a comma.
    for name, content in [
        ("puck.csv", _csv(rows)),
        ("puck.csv", _csv(rows, ";")),
        ("puck.xlsx", _xlsx(rows)),
    ]:
        puck.contents.filter(position__in=[5, 6]).delete()
        response = _upload(client, puck, name, content)
        assert response.status_code == 302, response.content.decode()[:2000]
        five, six = puck.contents.filter(position__in=[5, 6]).order_by("position")
        assert five.sample.name == "thaumatin" and six.sample is None
        assert five.experiment_plan["required_resolution"] == "1.6"
        assert five.experiment_plan["comments"] == "Collect first, please"
        assert six.experiment_plan["required_resolution"] == "2"  # empty: the plan's default
        assert six.experiment_plan["strategy"] == "native"
    page = client.get(response["Location"]).content.decode()
    assert "2 samples imported into Puck A" in page


def test_row_errors_are_listed_and_nothing_is_saved(client, puck) -> None:
    rows = [
        HEADER,
        [4, "fine", "", "", ""],
        [17, "too-far", "", "", ""],
        [2, "clash", "", "", ""],
        [7, "blurry", "", "fine please", ""],
        [8, "stranger", "nobody", "", ""],
        ["x", "", "", "", ""],
    ]
    response = _upload(client, puck, "puck.csv", _csv(rows))
    assert response.status_code == 400
    text = response.content.decode()
    for expected in (
        "row 3</td><td>position 17 is outside a Unipuck (1–16).",
        "row 4</td><td>position 2 of Puck A is already taken by lysozyme-2.",
        "row 5</td><td>required_resolution “fine please” should be a number.",
        "row 6</td><td>catalogue sample “nobody” is not a sample of",
        "row 7</td><td>position “x” should be a number, e.g. 1.",
    ):
        assert expected in text
    assert "Nothing was imported" in text
    assert sorted(puck.contents.values_list("name", flat=True)) == [
        "lysozyme-1",
        "lysozyme-2",
        "lysozyme-3",
    ]


def test_replacing_empties_the_puck_first(client, puck) -> None:
    rows = [HEADER, [1, "new-1", "", "", ""], [2, "new-2", "", "", ""]]
    response = _upload(client, puck, "puck.csv", _csv(rows), replace="on")
    assert response.status_code == 302
    assert sorted(puck.contents.values_list("name", flat=True)) == ["new-1", "new-2"]


BAD_FILES = [
    ("notes.pdf", b"%PDF-1.4", "is not a sample sheet: upload a .csv or .xlsx file"),
    ("puck.csv", b"", "The submitted file is empty."),
    ("puck.csv", b"  \n", "The file is empty"),
    ("puck.csv", b"position,name\n", "The file has no samples"),
    ("puck.csv", b"pos,label\n1,a\n", "missing: position, name"),
    ("puck.csv", b"position,name,resolutoin\n1,a,2\n", "Unknown column: resolutoin"),
    ("puck.xlsx", b"PK\x03\x04 not really a workbook", "This .xlsx file cannot be read"),
    ("puck.csv", _xlsx([["position", "name"]]), "save it as .xlsx"),
    ("puck.csv", b"x" * (imports.MAX_BYTES + 1), "a sample sheet is at most 1 MB"),
]


def test_bad_files_get_a_clear_error(client, puck) -> None:
    for name, content, message in BAD_FILES:
        response = _upload(client, puck, name, content)
        assert response.status_code == 400, name
        assert message in response.content.decode(), (name, content[:40])
    assert puck.contents.count() == 3
