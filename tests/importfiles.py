"""Small files for import tests: the PackageX seed's example CSV, a minimal XLSX writer (the
project reads spreadsheets with calamine and has no writer dependency), and a file imported in
one call."""

import base64
import io
import uuid
import zipfile
from xml.sax.saxutils import escape

SEED_CSV = (
    "Name,Email,Phone,Address,Address Line2,Type,Groups,metadata.csv_import\n"
    "Avengers,,,,,group,,yes\n"
    "Tony Stark,tony@starkindustries.com,+1 212 555 0100,10880 Malibu Point,Suite 1,person,Avengers,yes\n"
    "Thor,thor@asgard,,,,person,Avengers,yes\n"
    "Steve Rogers,steve@avengers.com,(212) 555-0199,569 Leaman Place,,,Avengers,yes\n"
)


def data_url(content: bytes | str, mime: str = "text/csv") -> str:
    raw = content.encode() if isinstance(content, str) else content
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


def xlsx_bytes(rows: list[list]) -> bytes:
    """A one-sheet workbook with inline strings and numbers."""
    return xlsx_sheets([rows])


def xlsx_sheets(sheets: list[list[list]]) -> bytes:
    """A workbook of these sheets (each a list of rows), with inline strings and numbers."""
    def cell(ref: str, value) -> str:
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    def sheet_xml(rows: list[list]) -> str:
        sheet_rows = []
        for r, row in enumerate(rows, start=1):
            cells = "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v is not None)
            sheet_rows.append(f'<row r="{r}">{cells}</row>')
        return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f'<sheetData>{"".join(sheet_rows)}</sheetData></worksheet>')

    numbers = range(1, len(sheets) + 1)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-'
                      f'officedocument.spreadsheetml.worksheet+xml"/>' for n in numbers)
            + '</Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="{"Contacts" if n == 1 else f"Sheet{n}"}" sheetId="{n}" r:id="rId{n}"/>' for n in numbers)
            + '</sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                      f'worksheet" Target="worksheets/sheet{n}.xml"/>' for n in numbers)
            + '</Relationships>'
        ),
        **{f"xl/worksheets/sheet{n}.xml": sheet_xml(rows) for n, rows in zip(numbers, sheets)},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def import_file(db, actor, folder, database_url: str, content: str | bytes, name: str, **options):
    """(the finished job, its row outcomes by index) of `content` imported as a file named `name`."""
    from contacthub.core import import_jobs
    from contacthub.core.imports import ImportOptions, SourceSpec
    from contacthub.settings import Settings

    path = folder / f"{uuid.uuid4().hex}-{name}"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    job = import_jobs.import_now(db, actor, SourceSpec(path=str(path)), ImportOptions(**options),
                                 Settings(database_url=database_url))
    with db.read() as session:
        rows = import_jobs.row_outcomes(session, actor, job.id, None, -1, 1000)
    return job, {r.row_index: r for r in rows}
