"""Result tables of Chinese spot-check notices (5.2.2 b): every inspected batch as a dict keyed by header text.

Market-supervision bureaus publish the rows of a spot check (监督抽查 / 食品安全抽检) as xlsx or xls
attachments, zip archives of those, or HTML tables inside the notice page (sources.md §2a, §2b). The
layouts vary from notice to notice, so nothing here depends on a column's position:

- title and note rows sit above the header, which is on row 2, 3 or 4: the header is the first row
  (of the first 15) holding at least three known header words (:data:`FIELD_ALIASES`);
- two-row headers whose parent cell spans its children (``标称生产企业`` over ``名称`` | ``地址``) are
  flattened to ``标称生产企业-名称``; header cells lose stray whitespace (``标称生产 单位所在地``);
- merged body cells (one ``序号`` and ``产品名称`` over several failed items) are forward-filled: each
  sheet row stays one row and every covered cell carries the merged value;
- rows with an empty ``序号`` and product name that are not merged continue the row above (one more failed
  item): their cells are appended to it, one value per line (parsing advice in sources.md §2a);
- section rows (``一、不合格产品``), notes (``注：…``) and totals spanning the width are not rows: a section
  is kept as the ``section`` of the rows under it; blank rows and repeated header rows are skipped;
- a second header further down starts a second table (pass list under the fail list).

The format is read from the bytes, not the file name (``.et`` is WPS's name for an xls or xlsx; some
"xls" downloads are HTML): xlsx via openpyxl, xls via xlrd (with merged ranges), HTML via BeautifulSoup
(``rowspan`` / ``colspan`` expanded), zip archives member by member (GBK member names decoded).

:func:`field_for_header` maps a header to a canonical field (``product_name``, ``manufacturer`` …) for the
mapper; the raw record keeps the original header names.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ecmon.formats.spot_check_headers import (  # noqa: F401 - re-exported for the spiders and tests
    FIELD_ALIASES,
    HEADER_JOIN,
    field_for_header,
    normalise_header,
)

HEADER_SCAN_ROWS = 15
MIN_HEADER_WORDS = 3
TABLE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ett", ".zip")

_NOTE_PREFIXES = ("注", "备注", "说明", "合计", "总计", "共计", "小计")
_TOTAL_PREFIXES = ("合计", "总计", "共计", "小计")
UNNAMED_COLUMN = "列"  # header of a column without header text: 列7
_WHITESPACE = re.compile(r"\s+")
_CJK_WRAP = re.compile(  # a source line break between two ideographs (Word wraps long names)
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t]*\n\s*(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
)
_ZIP_UTF8_FLAG = 0x800


@dataclass
class Grid:
    """One sheet or HTML table as text; every cell of a merged range holds the range's value.

    ``merge_ids`` names the merged range covering a cell (None for a plain cell), so the header logic can
    tell a parent spanning its children from a cell that spans the header's two rows.
    """

    name: str
    cells: list[list[str]]
    merge_ids: list[list[int | None]]

    @property
    def width(self) -> int:
        return max((len(row) for row in self.cells), default=0)


@dataclass
class ResultRow:
    row_number: int  # 1-based sheet row; for a merged-up continuation, the first row
    values: dict[str, str]
    section: str | None = None


@dataclass
class ResultTable:
    sheet: str
    title: str  # text of the title / note rows above the header
    header_rows: tuple[int, ...]  # 1-based
    headers: list[str]
    rows: list[ResultRow]
    dropped: Counter[str] = field(default_factory=Counter)  # blank, section, note, repeated_header, continuation


class UnreadableTable(ValueError):
    """Bytes that are no spreadsheet, archive or HTML we can read."""


def fields_of(headers: Iterable[str]) -> dict[str, list[str]]:
    """Canonical field → the headers that carry it, in column order."""
    found: dict[str, list[str]] = {}
    for header in headers:
        name = field_for_header(header)
        if name:
            found.setdefault(name, []).append(header)
    return found


def _is_header_word(text: str) -> bool:
    # Long texts are titles or data, not headers, even when they contain a header word.
    return bool(text) and len(text) <= 24 and field_for_header(text) is not None


def _header_word_count(cells: list[str]) -> int:
    return len({c for c in (normalise_header(x) for x in cells) if _is_header_word(c)})


# -- cell text ------------------------------------------------------------------------------------
def clean_cell(value: str) -> str:
    """Cell text: lines stripped, blank lines dropped, non-breaking spaces made plain."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").replace("\u3000", " ")
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def cell_text(value: Any) -> str:
    """Spreadsheet value → text; whole floats lose their ``.0``, dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    return clean_cell(str(value))


# -- readers --------------------------------------------------------------------------------------
def detect_format(data: bytes) -> str:
    """``xlsx``, ``zip``, ``xls``, ``html`` or ``unknown``, from the leading bytes."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return "unknown"
        return "xlsx" if "xl/workbook.xml" in names else "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and (b"<table" in data[:200000].lower() or b"<html" in head or b"<!doctype" in head):
        return "html"
    return "unknown"


def grids_from_xlsx(data: bytes) -> list[Grid]:
    from openpyxl import load_workbook

    # Not read-only: merged ranges are only available on a fully loaded sheet.
    workbook = load_workbook(io.BytesIO(data), data_only=True)
    grids = []
    for sheet in workbook.worksheets:
        if sheet.sheet_state != "visible":
            continue
        rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        merges = [(r.min_row - 1, r.max_row - 1, r.min_col - 1, r.max_col - 1) for r in sheet.merged_cells.ranges]
        grids.append(_grid(sheet.title, rows, merges))
    return grids


def grids_from_xls(data: bytes) -> list[Grid]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except (NotImplementedError, xlrd.XLRDError, AssertionError, IndexError):
        # Some writers emit formatting records xlrd cannot read; values still come out without them.
        book = xlrd.open_workbook(file_contents=data)
    grids = []
    for sheet in book.sheets():
        if getattr(sheet, "visibility", 0):
            continue
        rows = []
        for r in range(sheet.nrows):
            row = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)))
                    except (ValueError, OverflowError):
                        row.append(cell_text(cell.value))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    row.append("")
                else:
                    row.append(cell_text(cell.value))
            rows.append(row)
        merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
        grids.append(_grid(sheet.name, rows, merges))
    return grids


def grids_from_html(html: str) -> list[Grid]:
    """Every ``<table>`` (nested tables on their own), ``rowspan`` / ``colspan`` expanded into merged ranges."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    grids = []
    for index, table in enumerate(soup.find_all("table"), start=1):
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        cells: dict[tuple[int, int], str] = {}
        merges: list[tuple[int, int, int, int]] = []
        for r, tr in enumerate(rows):
            c = 0
            for td in tr.find_all(["td", "th"], recursive=False):
                while (r, c) in cells:
                    c += 1
                rowspan = _span(td.get("rowspan"))
                colspan = _span(td.get("colspan"))
                text = _html_cell_text(td)
                for dr in range(rowspan):
                    for dc in range(colspan):
                        cells[(r + dr, c + dc)] = text
                if rowspan > 1 or colspan > 1:
                    merges.append((r, r + rowspan - 1, c, c + colspan - 1))
                c += colspan
        if not cells:
            continue
        height = max(r for r, _ in cells) + 1
        width = max(c for _, c in cells) + 1
        grid_rows = [[cells.get((r, c), "") for c in range(width)] for r in range(height)]
        caption = table.find("caption")
        name = f"table{index}" + (f" {clean_cell(caption.get_text())}" if caption else "")
        grids.append(_grid(name, grid_rows, merges, filled=True))
    return grids


def _span(value: Any) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return 1


_BLOCK_TAGS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}


def _html_cell_text(td: Any) -> str:
    """Cell text as rendered: source line breaks are spaces, ``<br>`` and block elements are new lines."""
    from bs4 import NavigableString, Tag

    parts: list[str] = []
    for node in td.descendants:
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:  # skip comments, CDATA, doctype
                parts.append(_WHITESPACE.sub(" ", _CJK_WRAP.sub("", str(node))))
        elif isinstance(node, Tag) and (node.name == "br" or node.name in _BLOCK_TAGS):
            parts.append("\n")
    return clean_cell("".join(parts))


def _grid(name: str, rows: list[list[str]], merges: list[tuple[int, int, int, int]], filled: bool = False) -> Grid:
    width = max((len(r) for r in rows), default=0)
    cells = [list(r) + [""] * (width - len(r)) for r in rows]
    merge_ids: list[list[int | None]] = [[None] * width for _ in cells]
    for merge_id, (r0, r1, c0, c1) in enumerate(merges):
        if r0 >= len(cells):
            continue
        value = cells[r0][c0] if c0 < width else ""
        for r in range(r0, min(r1, len(cells) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if not filled:
                    cells[r][c] = value
                merge_ids[r][c] = merge_id
    return Grid(name=name, cells=cells, merge_ids=merge_ids)


def decode_zip_name(info: zipfile.ZipInfo) -> str:
    """Member name; archives made on Chinese Windows store GBK names without the UTF-8 flag."""
    if info.flag_bits & _ZIP_UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def read_tables(data: bytes, *, decode_html: Callable[[bytes], str] | None = None) -> tuple[str, list[ResultTable]]:
    """(format, result tables) of an attachment; zip members become tables named ``<member>/<sheet>``.

    Raises :class:`UnreadableTable` for bytes of no known format or a broken file.
    """
    kind = detect_format(data)
    if kind == "zip":
        tables: list[ResultTable] = []
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                name = decode_zip_name(info)
                if info.is_dir() or not name.lower().endswith(TABLE_SUFFIXES):
                    continue
                _, member_tables = read_tables(archive.read(info), decode_html=decode_html)
                for table in member_tables:
                    table.sheet = f"{PurePosixPath(name).name}/{table.sheet}"
                tables.extend(member_tables)
        return kind, tables
    try:
        if kind == "xlsx":
            grids = grids_from_xlsx(data)
        elif kind == "xls":
            grids = grids_from_xls(data)
        elif kind == "html":
            text = decode_html(data) if decode_html else data.decode("utf-8", errors="replace")
            grids = grids_from_html(text)
        else:
            raise UnreadableTable(f"not a spreadsheet, zip or HTML table (starts with {data[:8]!r})")
    except UnreadableTable:
        raise
    except Exception as exc:  # a truncated or corrupt workbook raises whatever its reader raises
        raise UnreadableTable(f"{kind}: {type(exc).__name__}: {exc}") from exc
    return kind, [table for grid in grids for table in tables_from_grid(grid)]


# -- header and body ---------------------------------------------------------------------------------
def tables_from_grid(grid: Grid) -> list[ResultTable]:
    """The result tables of one sheet: each starts at a header row and runs to the next header or the end."""
    tables: list[ResultTable] = []
    start = 0
    while start < len(grid.cells):
        header_at = _find_header(grid, start)
        if header_at is None:
            break
        table, next_start = _read_table(grid, start, header_at)
        if table.rows or table.dropped:
            tables.append(table)
        start = next_start
    return tables


def _find_header(grid: Grid, start: int) -> int | None:
    """First row with three header words; moved up to a parent row whose cells are merged down into it."""
    for r in range(start, min(len(grid.cells), start + HEADER_SCAN_ROWS)):
        if _header_word_count(grid.cells[r]) >= MIN_HEADER_WORDS:
            while r > start and _merged_down(grid, r - 1) and len({v for v in grid.cells[r - 1] if v}) > 1:
                r -= 1
            return r
    return None


def _merged_down(grid: Grid, upper: int) -> bool:
    below = grid.merge_ids[upper + 1]
    return any(m is not None and m == below[c] for c, m in enumerate(grid.merge_ids[upper]))


def _header_depth(grid: Grid, top: int) -> int:
    """How many rows the header spans: two when a cell is merged down into the next row, or when the next
    row holds header words (children under a parent cell) instead of data."""
    depth = 1
    while top + depth < len(grid.cells) and depth < 3:
        lower = grid.cells[top + depth]
        first = next((v for v in lower if v), "")
        if _merged_down(grid, top + depth - 1) or (_header_word_count(lower) >= 2 and not first.isdigit()):
            depth += 1
        else:
            break
    return depth


def _flatten_header(grid: Grid, top: int, depth: int) -> list[str]:
    rows = [list(grid.cells[r]) for r in range(top, top + depth)]
    # A parent written once over empty neighbours (no merge) also heads the columns whose child is filled.
    for upper, lower in itertools.pairwise(rows):
        for c in range(1, len(upper)):
            if not upper[c] and lower[c] and upper[c - 1] and lower[c - 1] and lower[c - 1] != upper[c - 1]:
                upper[c] = upper[c - 1]
    headers: list[str] = []
    seen: Counter[str] = Counter()
    for c in range(grid.width):
        parts: list[str] = []
        for row in rows:
            text = normalise_header(row[c])
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        name = HEADER_JOIN.join(parts) or f"{UNNAMED_COLUMN}{c + 1}"
        seen[name] += 1
        headers.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return headers


def _read_table(grid: Grid, title_start: int, top: int) -> tuple[ResultTable, int]:
    """Rows from ``top``'s header to the next header; returns the table and where the next one's title starts."""
    depth = _header_depth(grid, top)
    headers = _flatten_header(grid, top, depth)
    title_lines = list(dict.fromkeys(v for r in range(title_start, top) for v in grid.cells[r] if v))
    table = ResultTable(
        sheet=grid.name,
        title="\n".join(title_lines),
        header_rows=tuple(range(top + 1, top + depth + 1)),
        headers=headers,
        rows=[],
    )
    fields = fields_of(headers)
    key_columns = [headers.index(h) for f in ("seq", "product_name") for h in fields.get(f, [])[:1]]
    header_texts = [normalise_header(v) for v in grid.cells[top + depth - 1]]
    section: str | None = None
    after_last_row = top + depth
    for r in range(top + depth, len(grid.cells)):
        cells = grid.cells[r]
        distinct = list(dict.fromkeys(v for v in cells if v))
        if not distinct:
            table.dropped["blank"] += 1
            continue
        titled = after_last_row < r  # title / section rows since the last data row
        if [normalise_header(v) for v in cells] == header_texts and not titled:
            table.dropped["repeated_header"] += 1  # the header repeated after a page break
        elif table.rows and _is_continuation(grid, r, key_columns):
            _append_continuation(table.rows[-1], headers, cells)
            table.dropped["continuation"] += 1
        elif len(distinct) == 1:
            if distinct[0].lstrip("*※ ").startswith(_NOTE_PREFIXES):
                table.dropped["note"] += 1
            else:
                section = distinct[0]
                table.dropped["section"] += 1
            continue  # may be the title of a table further down
        elif _header_word_count(cells) >= MIN_HEADER_WORDS and not distinct[0].isdigit():
            return table, after_last_row  # a second table starts here; rows since the last data row are its title
        elif distinct[0].startswith(_TOTAL_PREFIXES) and len(distinct) <= 2:
            table.dropped["note"] += 1
        else:
            values = {h: v for h, v in zip(headers, cells, strict=False) if v or not h.startswith(UNNAMED_COLUMN)}
            table.rows.append(ResultRow(row_number=r + 1, values=values, section=section))
        after_last_row = r + 1
    return table, len(grid.cells)


def _is_continuation(grid: Grid, r: int, key_columns: list[int]) -> bool:
    """Unmerged empty 序号 and product name under a data row: one more failed item of the batch above."""
    if not key_columns:
        return False
    return all(not grid.cells[r][c] and grid.merge_ids[r][c] is None for c in key_columns)


def _append_continuation(row: ResultRow, headers: list[str], cells: list[str]) -> None:
    for header, value in zip(headers, cells, strict=False):
        if not value:
            continue
        current = row.values.get(header, "")
        row.values[header] = f"{current}\n{value}" if current else value
