"""12315 complaint exports (全国12315平台 投诉/举报 登记数据) — channel 5.2.2 a (complaint platforms).

Market-supervision agencies receive the complaints registered on the 12315 platform as spreadsheet
exports (CSV or XLSX/XLS, Chinese headers, often with one or more title rows such as
"2025年第一季度投诉登记表" above the header). Drop them into ``<data_dir>/inbox/complaints_12315/``;
every data row becomes one raw document (``source = complaints_12315``), the whole file or nothing.

Column mapping (header text is matched after removing spaces, ``*`` marks and a bracketed unit such as
``（元）``; the first alias found wins, further matching columns are kept under ``extra``):

================  ================================================  ======================================
body field        accepted headers                                  rule
================  ================================================  ======================================
``complaint_id``  投诉单号, 登记编号, 投诉编号, 举报单号, 工单号,       required; record key; unique in a file
                  工单编号
``received_on``   登记时间, 受理时间, 投诉时间, 登记日期, 受理日期,     required; any common date spelling
                  投诉日期                                           (2025-03-05, 2025/3/5 14:20, 2025年3月5日,
                                                                     20250305, an Excel date) → ISO date
``complainee``    被投诉人, 被诉方, 经营者名称, 被投诉方, 被投诉单位,   text
                  被诉人, 被投诉经营者
``product``       商品名称, 产品名称, 涉及商品                        text
``brand``         品牌, 商标, 品牌名称                                text
``model``         型号, 规格型号, 规格                                text
``text``          投诉内容, 诉求内容, 问题描述, 投诉事由, 事件描述      text
``appeal``        诉求, 投诉诉求, 消费者诉求                          text (e.g. "退货退款,赔偿")
``region``        地区, 属地, 所属地区, 所在地区, 被投诉人所在地, 区域   text (coded to GB/T 2260 in the mapper)
``platform``      网购平台, 平台名称, 电商平台, 交易平台                text
``amount``        涉及金额, 涉案金额, 投诉金额, 金额                   a number of yuan (¥, 元 and thousands
                                                                     separators allowed) → decimal text
``status``        处理状态, 办理状态, 处理结果, 办结情况               text
``issue``         问题类别, 投诉问题, 投诉类别                         text
================  ================================================  ======================================

Reading rules (shared with :mod:`transforms.importers.platform_handover` through :class:`TableImporter`):

- CSV: encoding detected — UTF-8 with BOM, UTF-16 with BOM, strict UTF-8, else GB18030 (which reads GBK
  and GB2312); delimiter ``,`` ``\\t`` or ``;``, whichever is most frequent in the first lines. Read with
  the ``csv`` module, because the title rows above the header have fewer cells than the data and pandas'
  column inference fails on such ragged files.
- XLSX with openpyxl (values, not formulas), XLS with pandas/xlrd; the first sheet that holds a header.
- The header is the first of the first 30 rows that names the key column and at least one other known
  column. Rows are numbered as a spreadsheet shows them (1 = first row of the file/sheet).
- Empty rows are skipped, as are footer rows whose key cell starts with 合计/总计/小计/注/备注/说明/制表/填报.
- Placeholders ``-``, ``—``, ``/``, ``无``, ``N/A`` count as empty in typed columns (dates, amounts …).
- Any other bad cell — a required value empty, a date or amount that does not parse, a key repeated —
  raises :class:`ImportFileError` naming file, row and column (as written in the file), and nothing of the
  file is stored (``import_file`` runs in one transaction).

Raw document body: ``{"fields": {<body field>: value}, "extra": {<original header>: value}}``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

from transforms.importers.base import FileImporter, ImportedRecord, ImportFileError
from transforms.normalise.dates import parse_date

Cell = Any
Row = tuple[int, list[Cell]]  # (row number as a spreadsheet shows it, cells)

HEADER_SEARCH_ROWS = 30
PLACEHOLDERS = {"-", "—", "--", "/", "无", "n/a", "N/A", "NA", "null", "NULL"}
FOOTER_STARTS = ("合计", "总计", "小计", "注", "备注", "说明", "制表", "填报")
HEADER_NOISE = re.compile(r"[\s*＊:：]|[（(【\[][^）)】\]]*[）)】\]]")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


# -- cell parsers: text in, normalised text out, ValueError with the reason otherwise --------------
def as_text(value: Cell) -> str | None:
    """A cell as stripped text; integral floats lose their ``.0``; empty cells give None."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN from pandas
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\xa0", " ").replace("\u3000", " ").strip()
    return text or None


def parse_day(value: Cell) -> str:
    """A date cell → ISO date. Excel date cells, serial numbers and the usual text spellings."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and 20000 <= value <= 80000:  # an Excel serial day (1954 .. 2119)
        return (EXCEL_EPOCH + dt.timedelta(days=float(value))).date().isoformat()
    text = as_text(value) or ""
    try:
        # naive times are read as UTC so the calendar day stays the one written in the file
        day = parse_date(text, strict=True)
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"not a date: {text!r}")
    return day.isoformat()


MONEY_NOISE = re.compile(r"[¥￥,，\s]|元|人民币|RMB", re.IGNORECASE)


def parse_amount(value: Cell) -> str:
    """A sum of money in yuan → plain decimal text ("1,299.00元" → "1299.00")."""
    text = MONEY_NOISE.sub("", as_text(value) or "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise ValueError(f"not an amount of money: {as_text(value)!r}")
    return str(amount)


def parse_text(value: Cell) -> str:
    return as_text(value) or ""


@dataclass(frozen=True)
class Column:
    """One body field: the header spellings it accepts, whether it is required, how a cell is read."""

    aliases: tuple[str, ...]
    required: bool = False
    parse: Callable[[Cell], str] = parse_text

    @property
    def label(self) -> str:
        return self.aliases[0]


def header_key(value: Cell) -> str:
    """Header text reduced for matching: no spaces, ``*`` marks, colons or bracketed units; case-folded."""
    return HEADER_NOISE.sub("", as_text(value) or "").casefold()


# -- reading tables ------------------------------------------------------------------------------
def decode_csv(path: Path) -> str:
    """The text of a CSV export: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK/GB2312)."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(path, None, None, "cannot decode: neither UTF-8, UTF-16 nor GBK/GB18030")


def read_csv_rows(path: Path) -> list[Row]:
    text = decode_csv(path)
    sample = text.splitlines()[:40]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in sample))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(number, list(cells)) for number, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ImportFileError(path, reader.line_num, None, f"malformed CSV: {exc}") from exc


def read_xlsx_sheets(path: Path) -> Iterator[list[Row]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException on broken files
        raise ImportFileError(path, None, None, f"not a readable XLSX workbook: {exc}") from exc
    try:
        for sheet in workbook.worksheets:
            yield [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)]
    finally:
        workbook.close()


def read_xls_sheets(path: Path) -> Iterator[list[Row]]:
    import pandas as pd

    try:
        sheets = pd.read_excel(path, header=None, sheet_name=None, dtype=object)
    except Exception as exc:  # xlrd raises its own XLRDError on broken files
        raise ImportFileError(path, None, None, f"not a readable XLS workbook: {exc}") from exc
    for frame in sheets.values():
        yield [(n, [None if pd.isna(v) else v for v in row]) for n, row in enumerate(frame.itertuples(index=False), 1)]


def read_sheets(path: Path) -> Iterator[list[Row]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield read_csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from read_xlsx_sheets(path)
    elif suffix == ".xls":
        yield from read_xls_sheets(path)
    else:
        raise ImportFileError(path, None, None, f"unsupported file type {suffix!r} (csv, xlsx, xls)")


class TableImporter(FileImporter):
    """A spreadsheet of records with Chinese headers: header found below title rows, cells validated.

    Subclasses set ``columns`` (body field → :class:`Column`) and ``key_field``, and may override
    :meth:`record_key`, :meth:`published_at` and :meth:`record_url`.
    """

    patterns: ClassVar[tuple[str, ...]] = ("*.csv", "*.xlsx", "*.xlsm", "*.xls", "*.CSV", "*.XLSX", "*.XLS")
    columns: ClassVar[dict[str, Column]]
    key_field: ClassVar[str]

    def record_key(self, fields: dict[str, str]) -> str:
        return fields[self.key_field]

    def published_at(self, fields: dict[str, str]) -> str | None:
        return None

    def record_url(self, fields: dict[str, str]) -> str | None:
        return None

    def read_records(self, path: Path) -> Iterator[ImportedRecord]:
        for rows in read_sheets(path):
            found = self._header(path, rows)
            if found is not None:
                yield from self._records(path, rows, *found)
                return
        keys = "/".join(self.columns[self.key_field].aliases)
        raise ImportFileError(
            path,
            None,
            None,
            f"no header row: none of the first {HEADER_SEARCH_ROWS} rows names the key column "
            f"({keys}) and another known column",
        )

    def _header(self, path: Path, rows: list[Row]) -> tuple[int, dict[str, int], list[str]] | None:
        """(index in ``rows`` of the header, body field → column index, header texts) or None."""
        alias_rank = {
            header_key(alias): (field, rank)
            for field, column in self.columns.items()
            for rank, alias in enumerate(column.aliases)
        }
        for index, (number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            best: dict[str, tuple[int, int]] = {}  # field → (alias rank, column index)
            for position, cell in enumerate(cells):
                hit = alias_rank.get(header_key(cell))
                if hit and (hit[0] not in best or hit[1] < best[hit[0]][0]):
                    best[hit[0]] = (hit[1], position)
            if self.key_field in best and len(best) >= 2:
                for field, column in self.columns.items():
                    if column.required and field not in best:
                        accepted = ", ".join(column.aliases)
                        raise ImportFileError(path, number, column.label, f"column missing (accepted: {accepted})")
                headers = [as_text(cell) or f"column {i + 1}" for i, cell in enumerate(cells)]
                return index, {field: position for field, (_, position) in best.items()}, headers
        return None

    def _records(
        self, path: Path, rows: list[Row], header_index: int, positions: dict[str, int], headers: list[str]
    ) -> Iterator[ImportedRecord]:
        mapped = set(positions.values())
        first_row_of_key: dict[str, int] = {}
        for number, cells in rows[header_index + 1 :]:
            if all(as_text(cell) is None for cell in cells):
                continue
            key_cell = as_text(_cell(cells, positions[self.key_field])) or ""
            if key_cell.startswith(FOOTER_STARTS):
                continue
            fields: dict[str, str] = {}
            for field, position in positions.items():
                column = self.columns[field]
                header = headers[position]
                raw = _cell(cells, position)
                text = as_text(raw)
                if text is None or (text in PLACEHOLDERS and column.parse is not parse_text):
                    if column.required:
                        raise ImportFileError(path, number, header, "empty")
                    continue
                try:
                    fields[field] = column.parse(raw)
                except ValueError as exc:
                    raise ImportFileError(path, number, header, str(exc)) from exc
            extra = {
                headers[i]: text
                for i, cell in enumerate(cells)
                if i not in mapped and i < len(headers) and (text := as_text(cell)) is not None
            }
            key = self.record_key(fields)
            if key in first_row_of_key:
                key_header = headers[positions[self.key_field]]
                raise ImportFileError(path, number, key_header, f"{key!r} repeats row {first_row_of_key[key]}")
            first_row_of_key[key] = number
            yield ImportedRecord(
                record_key=key,
                body={"fields": fields, "extra": extra},
                row_number=number,
                published_at=self.published_at(fields),
                record_url=self.record_url(fields),
            )


def _cell(cells: list[Cell], position: int) -> Cell:
    return cells[position] if position < len(cells) else None


class Complaints12315Importer(TableImporter):
    """12315 complaint registrations (5.2.2 a); the column mapping is in the module docstring."""

    name = "complaints_12315"
    channel = "a"
    freshness_hours = 24 * 35  # agencies receive the exports about monthly
    key_field = "complaint_id"
    columns: ClassVar[dict[str, Column]] = {
        "complaint_id": Column(("投诉单号", "登记编号", "投诉编号", "举报单号", "工单号", "工单编号"), required=True),
        "received_on": Column(
            ("登记时间", "受理时间", "投诉时间", "登记日期", "受理日期", "投诉日期"), required=True, parse=parse_day
        ),
        "complainee": Column(("被投诉人", "被诉方", "经营者名称", "被投诉方", "被投诉单位", "被诉人", "被投诉经营者")),
        "product": Column(("商品名称", "产品名称", "涉及商品")),
        "brand": Column(("品牌", "商标", "品牌名称")),
        "model": Column(("型号", "规格型号", "规格")),
        "text": Column(("投诉内容", "诉求内容", "问题描述", "投诉事由", "事件描述")),
        "appeal": Column(("诉求", "投诉诉求", "消费者诉求")),
        "region": Column(("地区", "属地", "所属地区", "所在地区", "被投诉人所在地", "区域")),
        "platform": Column(("网购平台", "平台名称", "电商平台", "交易平台")),
        "amount": Column(("涉及金额", "涉案金额", "投诉金额", "金额"), parse=parse_amount),
        "status": Column(("处理状态", "办理状态", "处理结果", "办结情况")),
        "issue": Column(("问题类别", "投诉问题", "投诉类别")),
    }

    def published_at(self, fields: dict[str, str]) -> str | None:
        return fields.get("received_on")
