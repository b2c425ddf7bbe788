"""Where an import's file comes from and how its rows are read.

Every source (a base64 data URL, a web URL, an upload, a local path) ends up as a local file,
read row by row: CSV with its encoding and delimiter detected, XLSX/XLS/ODS through calamine,
vCard (.vcf) a card a row (core/vcards.py), JSONL a line a row (each line a contact in the
native API's shape: core/import_documents.py reads it).
Faults of the source itself (an unreadable data URL, a URL that is refused or answers 404, a
file too large) are InvalidInput on the field "source"; faults of single rows are not raised
here, they belong to the row.
"""

import base64
import binascii
import codecs
import csv
import io
import os
import re
import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import httpx

from contacthub.core import outbound
from contacthub.core.errors import FieldError, InvalidInput
from contacthub.core.vcards import HEADERS, card_rows, group_memberships, scan_cards

EXCEL_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
VCARD_TYPES = {"text/vcard", "text/x-vcard", "text/directory"}
JSONL_TYPES = {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonl",
               "application/jsonlines", "application/x-jsonlines", "application/json"}
JSONL_NAMES = (".jsonl", ".ndjson", ".json")
JSONL_HEADERS = ["contact"]  # a JSONL file's one column: the line, a whole contact
MAX_LINE_BYTES = 1_048_576  # one JSONL line (one contact): as large as the native API's body
CSV_TYPES = {"text/csv", "text/plain", "application/csv", "text/comma-separated-values", "application/octet-stream", ""}
SNIFF_BYTES = 64 * 1024
HEAD_BYTES = 64  # what sniff_format is given of a file's start
CHUNK = 1024 * 1024


@dataclass
class SourceFile:
    """A local copy of the file to import."""

    path: Path
    format: str  # csv | xlsx | xls | ods | vcf | jsonl
    name: str
    temporary: bool = False
    header_row: int = 0  # rows above the header row, skipped (a preamble: see import_jobs.find_header)

    def discard(self) -> None:
        if self.temporary:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


def source_error(message: str, field: str = "source") -> InvalidInput:
    return InvalidInput(FieldError(field, message), message)


# ---------------------------------------------------------------- data URLs

def decode_data_url(text: str, max_bytes: int, field: str = "source") -> tuple[bytes, str]:
    """(the bytes, the media type) of a `data:` URL; base64 or percent-encoded."""
    if not isinstance(text, str) or not text[:5].lower() == "data:" or "," not in text:
        raise source_error("not a data URL (expected data:<type>;base64,<data>)", field)
    header, _, payload = text[5:].partition(",")
    parts = [p.strip() for p in header.split(";")]
    mime = parts[0].lower() if parts and "=" not in parts[0] else ""
    is_base64 = any(p.lower() == "base64" for p in parts[1:]) or (parts and parts[0].lower() == "base64")
    if len(payload) * 3 // 4 > max_bytes + 3:
        raise source_error(f"the file is larger than the limit of {max_bytes} bytes", field)
    try:
        if is_base64:
            # whitespace and the URL-safe alphabet are taken; anything else is no base64 (not an empty file)
            cleaned = "".join(payload.split()).replace("-", "+").replace("_", "/")
            data = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
        else:
            data = urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        raise source_error("the data URL's base64 content cannot be decoded", field) from None
    if len(data) > max_bytes:
        raise source_error(f"the file is larger than the limit of {max_bytes} bytes", field)
    return data, mime


def sniff_format(head: bytes, mime: str = "", name: str = "", field: str = "source") -> str:
    """The file's format from its first bytes, else its media type, else its name; InvalidInput
    (at `field`, the door's name for the file) for a type no import reads."""
    if _starts_a_vcard(head):
        return "vcf"
    mime = (mime or "").split(";")[0].strip().lower()
    opening = head.removeprefix(codecs.BOM_UTF8).lstrip()[:1]
    if opening == b"{":
        return "jsonl"
    if mime in JSONL_TYPES or name.lower().endswith(JSONL_NAMES):
        if opening == b"[" and (mime == "application/json" or name.lower().endswith(".json")):
            raise source_error("a JSON array cannot be imported: write one contact object per line (JSONL), "
                               "as `contacthub export --format jsonl` does", field)
        return "jsonl"
    if head.startswith(b"PK\x03\x04"):
        return "ods" if mime.endswith("opendocument.spreadsheet") or name.lower().endswith(".ods") else "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if mime in VCARD_TYPES or name.lower().endswith((".vcf", ".vcard")):
        return "vcf"
    if mime in EXCEL_TYPES and not _looks_like_text(head):
        return EXCEL_TYPES[mime]
    if mime and mime not in CSV_TYPES and mime not in EXCEL_TYPES and not mime.startswith("text/"):
        raise source_error(f"unsupported file type {mime}; send CSV, XLSX, XLS, ODS, vCard or JSONL", field)
    return "csv"


def _starts_a_vcard(head: bytes) -> bool:
    """The file begins (after a byte-order mark and blank lines) with BEGIN:VCARD."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head[:len(head) // 2 * 2].decode("utf-16", "replace").encode()
    return head.removeprefix(codecs.BOM_UTF8).lstrip().upper().startswith(b"BEGIN:VCARD")


def _looks_like_text(head: bytes) -> bool:
    return b"\0" not in head[:4096]


COPY_PREFIX = "contacthub-import-"  # the temporary copies of files being imported
STALE_COPY_HOURS = 24


def sweep_stale_copies(max_age_hours: float = STALE_COPY_HOURS) -> int:
    """Removes copies of imported files left in the temporary folder by a process killed before
    it could (kill -9, a lost machine): those older than any import runs. Answers how many."""
    cutoff = datetime.now().timestamp() - max_age_hours * 3600
    removed = 0
    for path in Path(tempfile.gettempdir()).glob(COPY_PREFIX + "*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            pass  # another process's sweep took it, or it is not ours to remove
    return removed


def save_bytes(data: bytes, mime: str = "", name: str = "upload", field: str = "source") -> SourceFile:
    fd, path = tempfile.mkstemp(prefix=COPY_PREFIX)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return SourceFile(Path(path), sniff_format(data[:HEAD_BYTES], mime, name, field), name, temporary=True)


def save_stream(chunks: Iterator[bytes], max_bytes: int, mime: str = "", name: str = "upload",
                field: str = "source") -> SourceFile:
    """Copies a stream to a temporary file, refusing it once it passes max_bytes."""
    fd, path = tempfile.mkstemp(prefix=COPY_PREFIX)
    size, head = 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise source_error(f"the file is larger than the limit of {max_bytes} bytes", field)
                if len(head) < HEAD_BYTES:
                    head += chunk[:HEAD_BYTES - len(head)]
                out.write(chunk)
        return SourceFile(Path(path), sniff_format(head, mime, name, field), name, temporary=True)
    except BaseException:
        os.unlink(path)
        raise


def local_file(path: str | Path) -> SourceFile:
    p = Path(path)
    if not p.is_file():
        raise source_error(f"no file at {p}")
    with p.open("rb") as f:
        head = f.read(HEAD_BYTES)
    return SourceFile(p, sniff_format(head, "", p.name), p.name)


# ---------------------------------------------------------------- web URLs

def check_url(url: str, allow_private: bool, field: str = "source") -> str | None:
    """A web URL an import may read (see outbound.check_url)."""
    return outbound.check_url(url, allow_private, field, purpose="be imported")


def fetch_url(
    url: str, max_bytes: int, timeout: float, max_redirects: int, allow_private: bool, field: str = "source"
) -> SourceFile:
    """Downloads to a temporary file: every hop checked, size and time bounded (`timeout` is
    for the whole download, redirects and headers included: httpx's own bounds each read,
    which a server sending a line a second never exceeds)."""
    current = url
    with outbound.Deadline(timeout) as deadline, httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for _ in range(max_redirects + 1):
            target, host, extensions = outbound.pinned(current, check_url(current, allow_private, field))
            try:
                with client.stream("GET", target, headers={"User-Agent": "contacthub-import", **host},
                                   extensions=deadline.extensions(extensions)) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise source_error("the URL redirected without a location", field)
                        current = str(httpx.URL(current).join(location))
                        continue
                    if response.status_code >= 400:
                        raise source_error(f"the URL answered HTTP {response.status_code}", field)
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise source_error(f"the file is larger than the limit of {max_bytes} bytes", field)
                    name = urllib.parse.unquote(httpx.URL(current).path.rsplit("/", 1)[-1]) or "download"
                    # each piece as it arrives: with a chunk size httpx would wait to fill it
                    saved = save_stream(response.iter_bytes(), max_bytes, response.headers.get("content-type", ""),
                                        name)
                    if deadline.passed:  # cut off: what ended there is no whole file, whatever it looks like
                        saved.discard()
                        raise httpx.ReadTimeout("the whole download took too long")
                    return saved
            except httpx.TimeoutException:
                raise source_error(f"the URL did not answer within {timeout:g} seconds", field) from None
            except httpx.HTTPError as exc:
                if deadline.passed:
                    raise source_error(f"the URL did not answer within {timeout:g} seconds", field) from None
                raise source_error(f"the URL could not be fetched: {exc.__class__.__name__}", field) from None
    raise source_error(f"the URL redirected more than {max_redirects} times", field)


# ---------------------------------------------------------------- reading rows

class _CountingReader(io.RawIOBase):
    """A binary file that remembers how many bytes were read (progress of a CSV)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n


@dataclass(frozen=True)
class TextEncoding:
    """How a text file is decoded: its codec, and in a file read as UTF-8 despite a few bytes
    that are not (a stray cp1252 byte pasted into a UTF-8 file), how many there were and the
    line of the first: each is read as U+FFFD, and the import says so (`note`)."""

    name: str
    replaced: int = 0
    first_replaced_line: int | None = None

    def note(self) -> str | None:
        if not self.replaced:
            return None
        one = self.replaced == 1
        return (f"{self.replaced:,} {'byte is' if one else 'bytes are'} not UTF-8 and {'was' if one else 'were'} "
                f"replaced with \ufffd ({'' if one else 'the first on '}line {self.first_replaced_line} of the "
                "file); the rest was read as UTF-8")


# A file that is not wholly UTF-8 is still read as UTF-8 when at least this many of its
# characters beyond ASCII are UTF-8 for each byte that is not: real cp1252 or latin-1 text
# hardly ever makes a valid UTF-8 sequence (a letter followed by one or two of 0x80-0xBF), so
# its non-ASCII bytes are almost all invalid, while a UTF-8 file with a stray byte is the reverse.
UTF8_PER_STRAY_BYTE = 3
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as surrogateescape reads it


def detect_encoding(path: Path) -> TextEncoding:
    """utf-8-sig when there is a BOM; utf-8 when the whole file decodes as such, or nearly
    (UTF8_PER_STRAY_BYTE: its stray bytes counted, to be replaced); else cp1252, else latin-1
    (which reads anything). Each check streams the file: memory stays flat."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return TextEncoding("utf-8-sig")
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return TextEncoding("utf-16")
    if _decodes(path, "utf-8"):
        return TextEncoding("utf-8")
    utf8, stray, first_line = _utf8_and_stray_bytes(path)
    if utf8 >= UTF8_PER_STRAY_BYTE * stray:
        return TextEncoding("utf-8", stray, first_line)
    return TextEncoding("cp1252" if _decodes(path, "cp1252") else "latin-1")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in _chunks(path):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf8_and_stray_bytes(path: Path) -> tuple[int, int, int | None]:
    """(the characters beyond ASCII the file holds as UTF-8, the bytes that are not UTF-8, the
    line of the first of those)."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    utf8 = stray = lines = 0
    first_line = None
    for chunk in (*_chunks(path), None):
        text = decoder.decode(chunk or b"", final=chunk is None)
        if not text.isascii():
            beyond_ascii = len(text) - len(text.encode("ascii", "ignore"))
            escaped = len(text) - len(text.encode("utf-32-le", "ignore")) // 4  # (the escapes are dropped)
            utf8 += beyond_ascii - escaped
            stray += escaped
            if first_line is None and escaped:
                first_line = lines + text.count("\n", 0, _ESCAPED_BYTE.search(text).start()) + 1
        lines += text.count("\n")
    return utf8, stray, first_line


DELIMITERS = ",;\t|"


def detect_dialect(sample: str, above_header: int = 0) -> type[csv.Dialect] | csv.Dialect:
    """The delimiter that splits the header row into the most columns and the rows below into
    as many: each candidate reads the sample as the file will be read (quotes, CRLF, line breaks
    in cells and all), which csv.Sniffer does not (it gave up on a Windows file with a line
    break in a quoted cell, and the file was read as comma-separated)."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        sample = "".join(lines[:-1])  # a cut last line would mislead the count
    best, best_fit = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r][above_header:]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        fit = (sum(len(r) == width for r in rows[1:]) / max(len(rows) - 1, 1), width)
        if fit > best_fit:
            best, best_fit = delimiter, fit
    # Only the delimiter is chosen: the rest is Excel's (doubled quotes escape a quote), strict,
    # so that a quote opened and never closed is a fault of its row, not the rest of the file
    # read quietly into one cell.

    class Detected(csv.excel):
        strict = True

    Detected.delimiter = best
    return Detected


@dataclass
class RowReader:
    """Headers, then data rows as lists of strings; `position()` is progress in [0, 1]."""

    headers: list[str]
    rows: Iterator[list[str]]
    estimated_rows: int | None
    _position: callable = None
    notes: list[str] = field(default_factory=list)  # what the import should tell of how the file was read

    def position(self) -> float:
        return self._position() if self._position else 0.0


def count_lines(path: Path) -> int:
    total = 0
    last = b"\n"
    for chunk in _chunks(path):
        total += chunk.count(b"\n")
        last = chunk[-1:]
    return total + (0 if last == b"\n" else 1)


def open_rows(source: SourceFile) -> RowReader:
    if source.format == "csv":
        return _csv_rows(source.path, source.header_row)
    if source.format == "vcf":
        return _vcard_rows(source.path)
    if source.format == "jsonl":
        return _jsonl_rows(source.path)
    return _sheet_rows(source.path, source.header_row)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


_UNCLOSED = ("a quote opened in this row is never closed: every line after it was read into it "
             "(close the quote, or remove it, and import those lines again)")


def _csv_rows(path: Path, above_header: int = 0) -> RowReader:
    detected = detect_encoding(path)
    encoding = detected.name
    size = max(path.stat().st_size, 1)
    with path.open("rb") as f:
        sample = f.read(SNIFF_BYTES).decode(encoding, errors="ignore")
    dialect = detect_dialect(sample, above_header)
    raw = path.open("rb")
    counter = _CountingReader(raw)
    # errors="replace": a file whose BOM promised an encoding its bytes then break is still read, and
    # so is a UTF-8 file with a few stray bytes (see detect_encoding)
    text = io.TextIOWrapper(io.BufferedReader(counter, CHUNK), encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text, dialect)
    csv.field_size_limit(10 * 1024 * 1024)
    try:
        for _ in range(above_header):
            try:
                next(reader)
            except csv.Error:
                pass  # a broken line among the notes above the header row: skipped all the same
        headers = next(reader)
    except StopIteration:
        headers = []
    except csv.Error as exc:
        raw.close()
        raise source_error(f"the CSV cannot be read: {exc}") from None

    width = len(headers)

    def rows() -> Iterator[list[str]]:
        try:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield _BrokenRow(_UNCLOSED if "unexpected end of data" in str(exc)
                                     else f"the line cannot be read: {exc}")
                    continue
                if len(row) > width and any(cell.strip() for cell in row[width:]):
                    yield _BrokenRow(_shifted(row, width, dialect.delimiter), row)
                    continue
                yield row
        finally:
            raw.close()

    return RowReader(headers, rows(), max(count_lines(path) - 1 - above_header, 0),
                     lambda: min(counter.count / size, 1.0), [note] if (note := detected.note()) else [])


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "|"}


def _shifted(row: list[str], width: int, delimiter: str) -> str:
    """Why a row with more cells than the header row is refused: every cell after the one the
    delimiter split would be stored in the column beside its own. (Empty cells past the header,
    as some exports pad every line with, are no such row.)"""
    cells = max(i for i, cell in enumerate(row) if cell.strip()) + 1
    return (f"row has {cells} cells, the header {width}: a {_DELIMITER_NAMES[delimiter]} inside a cell that was "
            "not quoted?")


def csv_lines(source: SourceFile, indexes: set[int]) -> dict[int, int]:
    """The line of the file (from 1, as an editor shows it) where each data row of `indexes`
    begins, a CSV read as the import reads it: a quoted cell's line breaks and the lines above
    the header row counted. Empty for a file of another format."""
    if source.format != "csv" or not indexes:
        return {}
    encoding = detect_encoding(source.path).name
    with source.path.open("rb") as f:
        dialect = detect_dialect(f.read(SNIFF_BYTES).decode(encoding, errors="ignore"), source.header_row)
    found: dict[int, int] = {}
    with source.path.open("r", encoding=encoding, errors="replace", newline="") as text:
        reader = csv.reader(text, dialect)
        index, last = -1 - source.header_row, max(indexes)  # the header row and the lines above it first
        while index <= last:
            begins = reader.line_num + 1
            try:
                next(reader)
            except StopIteration:
                break
            except csv.Error:
                pass  # a broken line: a row all the same, as the import counts it
            if index in indexes:
                found[index] = begins
            index += 1
    return found


def _vcard_rows(path: Path) -> RowReader:
    """A card a row, under vcards.HEADERS (its header row is always the first: no preamble)."""
    detected = detect_encoding(path)
    encoding = detected.name
    if encoding == "utf-16":  # its byte-order mark, then two bytes a character: counted as text
        with path.open("r", encoding=encoding) as f:
            total, has_members = scan_cards(line.encode() for line in f)
    else:
        total, has_members = scan_cards(_chunks(path))
    if total == 0:
        raise source_error("the vCard file holds no card (no BEGIN:VCARD line)")
    memberships = None
    if has_members:  # group cards listing their members: read first, whatever their place in the file
        with path.open("r", encoding=encoding, errors="replace") as f:
            memberships = group_memberships(f)
    size = max(path.stat().st_size, 1)
    raw = path.open("rb")
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, CHUNK), encoding=encoding, errors="replace")

    def rows() -> Iterator[list[str]]:
        try:
            for cells in card_rows(text, memberships):
                # a card with nothing read is a row to report, not a blank line to pass over
                yield cells if any(cells) else _BrokenRow("the card holds no name, email, phone or address")
        finally:
            raw.close()

    return RowReader(list(HEADERS), rows(), total, lambda: min(counter.count / size, 1.0),
                     [note] if (note := detected.note()) else [])


def _jsonl_rows(path: Path) -> RowReader:
    """A line a row, under the one header JSONL_HEADERS; the line is parsed as a contact where
    rows are parsed. A blank line is an empty row (passed over, but counted, so a row's index is
    its line number less one); a line that is not UTF-8 or is longer than MAX_LINE_BYTES is a
    broken row, and the rest of the file is still read."""
    size = max(path.stat().st_size, 1)
    raw = path.open("rb")
    counter = _CountingReader(raw)
    lines = io.BufferedReader(counter, CHUNK)

    def rows() -> Iterator[list[str]]:
        try:
            first = True
            while line := lines.readline(MAX_LINE_BYTES + 1):
                if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                    while (rest := lines.readline(CHUNK)) and not rest.endswith(b"\n"):
                        pass  # the rest of the over-long line, unread
                    yield _BrokenRow(f"the line is longer than {MAX_LINE_BYTES} bytes")
                    continue
                if first:
                    line, first = line.removeprefix(codecs.BOM_UTF8), False
                try:
                    yield [line.decode("utf-8").strip()]
                except UnicodeDecodeError:
                    yield _BrokenRow("the line is not UTF-8 text")
        finally:
            raw.close()

    return RowReader(list(JSONL_HEADERS), rows(), count_lines(path), lambda: min(counter.count / size, 1.0))


class _BrokenRow(list):
    """A line the CSV reader could not parse, a row whose cells do not fit the header row (they
    are its items, shown in its rejected row), or an empty card: it becomes an invalid row (with
    this reason), not a failed import nor a blank line passed over."""

    def __init__(self, reason: str, cells: list[str] = ()):
        super().__init__(cells)
        self.reason = reason


def _sheet_rows(path: Path, above_header: int = 0) -> RowReader:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, XmlError, ZipError

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = _first_sheet_with_cells(workbook)
        iterator = iter(sheet.iter_rows())
    except (CalamineError, PasswordError, XmlError, ZipError) as exc:  # a broken or locked file
        raise source_error(f"the spreadsheet cannot be read: {exc}") from None
    try:
        for _ in range(above_header):
            next(iterator)
        headers = [_cell_text(c) for c in next(iterator)]
    except StopIteration:
        headers = []
    total = max(sheet.height - 1 - above_header, 0)
    done = [0]

    def rows() -> Iterator[list[str]]:
        for row in iterator:
            done[0] += 1
            yield [_cell_text(c) for c in row]

    return RowReader(headers, rows(), total, lambda: done[0] / total if total else 1.0)


def _first_sheet_with_cells(workbook):
    """The first sheet that holds anything: a workbook whose first sheet was left empty (its
    contacts on the second) imports as the person who made it expects. The first sheet when all are empty."""
    for index in range(len(workbook.sheet_names)):
        sheet = workbook.get_sheet_by_index(index)
        if sheet.height and any(_cell_text(c).strip() for row in sheet.iter_rows() for c in row):
            return sheet
    return workbook.get_sheet_by_index(0)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)
