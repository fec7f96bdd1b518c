"""Every CSV Kassa writes, through one writer that keeps text from being read
as a formula: a spreadsheet runs a cell that starts with =, +, -, @, a tab or a
carriage return (OWASP's "CSV injection"), and other people's words (a payment
link's description, a refund's reason, a product's name) reach these files."""

import csv
import re

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Kassa's own numbers (amounts like -25.00) stay numbers.
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def neutralised(value):
    """The cell as a spreadsheet shows it and never runs it: text that would
    start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return response
