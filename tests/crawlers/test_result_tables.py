"""Result-table parsing (crawlers/spiders/_result_tables.py, 5.2.2 b) on REAL spot-check rows.

The rows come from ../shared/realdata (read in place, see PROVENANCE.md):

- ``cn_food_spotcheck_foodmate/*.csv`` — 4,639 provincial and SAMR food sampling results;
- ``cn_product_spotcheck_derived/samr-china-2023-*`` — the 2023 national product spot check (126 rows plus
  the 10 rows the report lists as excluded, with their source fields);
- ``cn_product_spotcheck_derived/shenzhen-2020-*`` — Shenzhen's 2020 pass and fail workbooks (106 rows).

They are written, in tmp_path, in the layouts the regulators use (sources.md §2a): title and note rows
above the header, two-row headers with merged parent cells, merged body cells, section and note rows, as
xlsx, HTML tables, a zip of xlsx and a BIFF8 xls. The title / note / section texts and the parent header
words are layout; every cell value under a header is the real value. Each real row must come back once,
in order, with every value under a header that maps to the right field.
"""

from __future__ import annotations

import csv
import html
import io
import json
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crawlers.spiders._result_tables import (
    clean_cell,
    detect_format,
    field_for_header,
    fields_of,
    grids_from_html,
    read_tables,
    tables_from_grid,
)
from tests.conftest import realdata_path

pytestmark = pytest.mark.unit

# -- real rows -------------------------------------------------------------------------------------------
# Regulator header wording (sources.md §2a "Header aliases") for each foodmate CSV column.
FOOD_COLUMNS = {
    "食品名称": "物料名称",
    "分类": "产品分类",
    "标称生产企业名称": "生产商",
    "被抽样单位名称": "供应商",
    "生产日期/批号": "生产日期",
    "不合格项目": "检测项目",
    "检验结果": "检测结果",
    "标准值": "限量值",
    "判定结论": "判定",
    "公告日期": "发布日期",
    "任务来源/项目名称": "发布单位",
    "备注": "备注",
}
FOOD_FIELDS = {
    "食品名称": "product_name",
    "分类": "product_kind",
    "标称生产企业名称": "manufacturer",
    "被抽样单位名称": "shop",
    "生产日期/批号": "batch",
    "不合格项目": "hazard_item",
    "检验结果": "test_result",
    "标准值": "standard_value",
    "判定结论": "verdict",
    "公告日期": "notice_date",
    "任务来源/项目名称": "task_source",
    "备注": "remark",
}
NATIONAL_FIELDS = {
    "产品种类": "product_kind",
    "标称生产单位": "manufacturer",
    "产品名称": "product_name",
    "规格型号": "model",
    "生产日期/批号": "batch",
    "主要不合格项目": "hazard_item",
    "备注": "remark",
}
SHENZHEN_HEADER = [
    "序号",
    *("产品类别", "样品名称", "商标", "规格型号", "生产日期/批号", "标称生产企业", "不合格项目", "检验结论", "备注"),
]
SHENZHEN_FIELDS = {
    "产品类别": "product_kind",
    "样品名称": "product_name",
    "商标": "brand",
    "规格型号": "model",
    "生产日期/批号": "batch",
    "标称生产企业": "manufacturer",
    "不合格项目": "hazard_item",
    "检验结论": "verdict",
    "备注": "remark",
}


def food_rows() -> list[dict[str, str]]:
    """Every foodmate CSV row under the regulator's header wording."""
    rows = []
    for name in (
        "foodmate_domestic_2022-01_to_2022-07_part3-4.csv",
        "foodmate_domestic_2022-01_to_2022-07_part5-6.csv",
    ):
        with realdata_path("cn_food_spotcheck_foodmate", name).open(encoding="utf-8", newline="") as handle:
            rows.extend({h: record[column] for h, column in FOOD_COLUMNS.items()} for record in csv.DictReader(handle))
    return rows


def national_2023_rows() -> list[dict[str, str]]:
    """SAMR 2023 national spot check: the 126 normalised rows and the 10 rows the report lists as excluded."""
    folder = "cn_product_spotcheck_derived"
    path = realdata_path(folder, "samr-china-2023-nonconforming-fluids.jsonl")
    report = json.loads(realdata_path(folder, "samr-china-2023-nonconforming-fluids-report.json").read_text("utf-8"))
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        rows.append(
            {
                "产品种类": r["product_kind_source_reported"],
                "标称生产单位": r["manufacturer"],
                "产品名称": r["product_name"],
                "规格型号": r["model_specification_source_reported"],
                "生产日期/批号": r["production_date_or_batch_source_reported"],
                "主要不合格项目": r["nonconforming_items_source_reported"],
                "备注": r["source_note"],
            }
        )
    for r in report["excluded_source_rows"]:
        rows.append(
            {
                "产品种类": r["product_kind_source_reported"],
                "标称生产单位": r["producer"],
                "产品名称": r["product_name_source_reported"],
                "规格型号": r["model_specification_source_reported"],
                "生产日期/批号": r["production_date_or_batch_source_reported"],
                "主要不合格项目": r["nonconforming_items_source_reported"],
                "备注": r["source_note"],
            }
        )
    return rows


def shenzhen_rows() -> dict[str, list[dict[str, str]]]:
    """Shenzhen 2020: ``{"conforming": [...], "nonconforming": [...]}`` in source-row order."""
    path = realdata_path("cn_product_spotcheck_derived", "shenzhen-2020-automotive-fluid-inspection.jsonl")
    books: dict[str, list[tuple[int, dict[str, str]]]] = {"conforming": [], "nonconforming": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        row = {
            "产品类别": r["product_kind_source_reported"],
            "样品名称": r["product_name"],
            "商标": r["brand_source_reported"],
            "规格型号": r["model_specification_source_reported"],
            "生产日期/批号": r["production_date_or_batch_source_reported"],
            "标称生产企业": r["manufacturer_source_reported"],
            "不合格项目": r["nonconforming_items_source_reported"],
            "检验结论": "合格" if r["inspection_outcome"] == "conforming" else "不合格",
            "备注": r["source_note"],
        }
        books[r["source_workbook"]].append((int(r["source_row"]), row))
    return {name: [row for _, row in sorted(rows, key=lambda x: x[0])] for name, rows in books.items()}


# -- layouts ---------------------------------------------------------------------------------------------
@dataclass
class Layout:
    """A sheet as text cells plus merged ranges (0-based, inclusive), the way a regulator lays it out."""

    cells: list[list[str]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    first_data_row: int = 0


def layout(
    title: str,
    header: list[str | tuple[str, list[str]]],
    rows: list[dict[str, str]],
    *,
    note: str | None = None,
    section: str | None = None,
    merge_equal_in: tuple[str, ...] = (),
    footer: str | None = "注：以上信息按检验报告整理。",
) -> Layout:
    """Title (merged across), optional note, a one- or two-row header (``(parent, [children])`` spans its
    children; plain cells span both header rows), optional section row, the data rows numbered in 序号,
    equal neighbours merged down in ``merge_equal_in`` columns, and a footer note."""
    leaves = [h if isinstance(h, str) else child for h in header for child in ([h] if isinstance(h, str) else h[1])]
    width = len(leaves)
    lay = Layout(cells=[])

    def add(row: list[str]) -> int:
        lay.cells.append(row + [""] * (width - len(row)))
        return len(lay.cells) - 1

    r = add([title])
    lay.merges.append((r, r, 0, width - 1))
    if note:
        r = add([note])
        lay.merges.append((r, r, 0, width - 1))
    two_rows = any(not isinstance(h, str) for h in header)
    top = add([])
    if two_rows:
        add([])
    c = 0
    for h in header:
        if isinstance(h, str):
            lay.cells[top][c] = h
            if two_rows:
                lay.merges.append((top, top + 1, c, c))
            c += 1
        else:
            parent, children = h
            lay.cells[top][c] = parent
            lay.merges.append((top, top, c, c + len(children) - 1))
            for i, child in enumerate(children):
                lay.cells[top + 1][c + i] = child
            c += len(children)
    if section:
        r = add([section])
        lay.merges.append((r, r, 0, width - 1))
    lay.first_data_row = len(lay.cells)
    for number, row in enumerate(rows, start=1):
        add([str(number) if leaf == "序号" else row.get(leaf, "") for leaf in leaves])
    for column in merge_equal_in:
        c = leaves.index(column)
        start = lay.first_data_row
        while start < len(lay.cells):
            end = start
            while end + 1 < len(lay.cells) and lay.cells[end + 1][c] == lay.cells[start][c] and lay.cells[start][c]:
                end += 1
            if end > start:
                lay.merges.append((start, end, c, c))
                for rr in range(start + 1, end + 1):
                    lay.cells[rr][c] = ""  # a merged range holds its value in the top-left cell only
            start = end + 1
    if footer:
        r = add([footer])
        lay.merges.append((r, r, 0, width - 1))
    return lay


def xlsx_bytes(sheets: dict[str, Layout]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, lay in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in lay.cells:
            sheet.append([v if v else None for v in row])
        for r0, r1, c0, c1 in lay.merges:
            sheet.merge_cells(start_row=r0 + 1, end_row=r1 + 1, start_column=c0 + 1, end_column=c1 + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def html_table(lay: Layout) -> str:
    """``<table>`` with rowspan / colspan for the merged ranges; line breaks as ``<br>``, as Word exports it."""
    anchors = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, r1, c0, c1 in lay.merges}
    covered = {(r, c) for r0, r1, c0, c1 in lay.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - set(
        anchors
    )
    lines = ['<table border="1" cellspacing="0" cellpadding="0">']
    for r, row in enumerate(lay.cells):
        cells = []
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            rowspan, colspan = anchors.get((r, c), (1, 1))
            attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
            text = "<br>".join(html.escape(line) for line in value.split("\n"))
            cells.append(f'<td{attrs}><p style="text-align:center">\n  <span>{text}</span></p></td>')
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def zip_bytes(members: dict[str, bytes], *, gbk_names: bool = False) -> bytes:
    """A zip as made on Chinese Windows (member names in GBK, no UTF-8 flag) or with UTF-8 names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            archive.writestr(info, data)
    data = buffer.getvalue()
    if not gbk_names:
        return data
    for name in members:
        utf8, gbk = name.encode("utf-8"), name.encode("gbk")
        assert len(utf8) != len(gbk)
    return _rewrite_zip_names(data, {n.encode("utf-8"): n.encode("gbk") for n in members})


def _rewrite_zip_names(data: bytes, names: dict[bytes, bytes]) -> bytes:
    """Re-encode member names and clear the UTF-8 flag (zipfile always writes UTF-8 names)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    entries = []
    for info in source.infolist():
        content = source.read(info)
        raw_name = names[info.filename.encode("utf-8")]
        import zlib

        crc = zlib.crc32(content)
        offset = out.tell()
        out.write(
            struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(content), len(content), len(raw_name), 0)
        )
        out.write(raw_name + content)
        entries.append((raw_name, crc, len(content), offset))
    central = out.tell()
    for raw_name, crc, size, offset in entries:
        out.write(
            struct.pack(
                "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, size, size, len(raw_name), 0, 0, 0, 0, 0, offset
            )
        )
        out.write(raw_name)
    end = out.tell()
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), end - central, central, 0))
    return out.getvalue()


# -- a minimal BIFF8 writer (no xls writer is installed: xlwt is gone) ----------------------------------
def xls_bytes(sheets: dict[str, Layout]) -> bytes:
    """A BIFF8 workbook in an OLE2 compound file: LABEL cells, MERGEDCELLS, one font and 16+1 XF records."""

    def record(rid: int, payload: bytes) -> bytes:
        return struct.pack("<HH", rid, len(payload)) + payload

    def unicode_string(text: str, length_bytes: int) -> bytes:
        encoded = text.encode("utf-16-le")
        return struct.pack("<H" if length_bytes == 2 else "<B", len(text)) + b"\x01" + encoded

    def sheet_stream(lay: Layout) -> bytes:
        rows, cols = len(lay.cells), max(len(r) for r in lay.cells)
        parts = [record(0x0809, struct.pack("<HHHHLL", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))]
        parts.append(record(0x0200, struct.pack("<LLHHH", 0, rows, 0, cols, 0)))
        for r, row in enumerate(lay.cells):
            for c, value in enumerate(row):
                if value:
                    parts.append(record(0x0204, struct.pack("<HHH", r, c, 15) + unicode_string(value, 2)))
        if lay.merges:
            ranges = b"".join(struct.pack("<HHHH", r0, r1, c0, c1) for r0, r1, c0, c1 in lay.merges)
            parts.append(record(0x00E5, struct.pack("<H", len(lay.merges)) + ranges))
        parts.append(record(0x000A, b""))
        return b"".join(parts)

    font = record(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + unicode_string("宋体", 1))
    style_xf = struct.pack("<HHHBBBBLLH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0)
    cell_xf = struct.pack("<HHHBBBBLLH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)
    xfs = b"".join(record(0x00E0, style_xf) for _ in range(15)) + record(0x00E0, cell_xf)
    style = record(0x0293, struct.pack("<HBB", 0x8000, 0, 0xFF))
    globals_head = record(0x0809, struct.pack("<HHHHLL", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    globals_head += record(0x0042, struct.pack("<H", 1200)) + font * 5 + xfs + style
    streams = [sheet_stream(lay) for lay in sheets.values()]
    bound = [unicode_string(name, 1) for name in sheets]
    globals_size = len(globals_head) + sum(4 + 6 + len(b) for b in bound) + 4
    offsets, position = [], globals_size
    for stream in streams:
        offsets.append(position)
        position += len(stream)
    workbook = globals_head
    for offset, name in zip(offsets, bound, strict=True):
        workbook += record(0x0085, struct.pack("<LBB", offset, 0, 0) + name)
    workbook += record(0x000A, b"") + b"".join(streams)
    return _compound_file(workbook.ljust(max(len(workbook), 4096), b"\x00"))


def _compound_file(stream: bytes) -> bytes:
    """OLE2 container with one ``Workbook`` stream (>= 4096 bytes, so no mini stream is needed)."""
    sector = 512
    stream = stream.ljust(-(-len(stream) // sector) * sector, b"\x00")
    data_sectors = len(stream) // sector
    fat_sectors = 1
    while data_sectors + 1 + fat_sectors > fat_sectors * (sector // 4):
        fat_sectors += 1
    directory_at = data_sectors
    fat_at = data_sectors + 1
    end, free, fat_mark = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    fat = [i + 1 for i in range(data_sectors - 1)] + [end, end] + [fat_mark] * fat_sectors
    fat += [free] * (fat_sectors * (sector // 4) - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le") if name else b""
        return struct.pack(
            "<64sHBBlll16sLQQLLL", encoded, len(encoded), kind, 1, -1, -1, child, b"\x00" * 16, 0, 0, 0, start, size, 0
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, -1, 0, len(stream)) + entry("", 0, -1, 0, 0) * 2
    )
    difat = [fat_at + i for i in range(fat_sectors)] + [free] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sLLLLLLLLL",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\x00" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,
        fat_sectors,
        directory_at,
        0,
        4096,
        end,
        0,
        end,
        0,
    ) + struct.pack("<109L", *difat)
    return header + stream + directory + struct.pack(f"<{len(fat)}L", *fat)


# -- checks ----------------------------------------------------------------------------------------------
def assert_rows_match(tables: list, expected: list[dict[str, str]], wanted_fields: dict[str, str]) -> None:
    """Every expected row once, in order; each value under the header whose field is the wanted one."""
    rows = [row for table in tables for row in table.rows]
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        by_field = {field_for_header(h): v for h, v in row.values.items() if v}
        for header, name in wanted_fields.items():
            assert by_field.get(name, "") == clean_cell(want[header]), (row.row_number, header)


def _chunks(rows: list[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


FOOD_HEADER_TWO_ROWS: list[str | tuple[str, list[str]]] = [
    "序号",
    ("企业信息", ["标称生产企业名称", "被抽样单位名称"]),
    "食品名称",
    "分类",
    "生产日期/批号",
    ("检验情况", ["不合格项目", "检验结果", "标准值", "判定结论"]),
    "公告日期",
    "任务来源/项目名称",
    "备注",
]


def test_headers_map_to_fields_by_text_not_position() -> None:
    assert field_for_header("标称生产企业-名称") == "manufacturer"
    assert field_for_header("标称生产企业-地址") == "manufacturer_address"
    assert field_for_header("标称生产 单位所在地") == "manufacturer_address"
    assert field_for_header("被抽样单位所在省份") == "shop_address"
    assert field_for_header("检验情况-检验结果") == "test_result"
    assert field_for_header("检验情况-检验值") == "measured_value"
    assert field_for_header("不合格项目║检验结果║标准值") == "hazard_item"
    assert field_for_header("生产（加工/购进/检疫）日期/批号") == "batch"
    assert field_for_header("企业信息-被抽样单位名称") == "shop"
    assert field_for_header("被抽样单位-所在地") == "shop_address"
    assert field_for_header("被抽样单位-名称") == "shop"
    assert field_for_header("电商平台") == "platform"
    assert field_for_header("签发日期") is None
    assert fields_of(["序号", "商标", "品牌"])["brand"] == ["商标", "品牌"]


def test_food_rows_from_xlsx_with_two_row_header_and_merged_cells() -> None:
    expected = food_rows()
    assert len(expected) == 4639
    sheets = {
        f"第{i + 1}批": layout(
            "附件 食品安全监督抽检产品信息",
            FOOD_HEADER_TWO_ROWS,
            chunk,
            note="（按公告顺序排列）",
            merge_equal_in=("被抽样单位名称", "公告日期", "任务来源/项目名称"),
        )
        for i, chunk in enumerate(_chunks(expected, 1000))
    }
    kind, tables = read_tables(xlsx_bytes(sheets))
    assert kind == "xlsx"
    assert [t.sheet for t in tables] == list(sheets)
    assert tables[0].header_rows == (3, 4)
    assert tables[0].headers[:3] == ["序号", "企业信息-标称生产企业名称", "企业信息-被抽样单位名称"]
    assert tables[0].title == "附件 食品安全监督抽检产品信息\n（按公告顺序排列）"
    assert all(t.dropped["note"] == 1 for t in tables)
    assert_rows_match(tables, expected, FOOD_FIELDS)
    assert tables[0].rows[0].row_number == 5


def test_food_rows_from_html_tables_with_rowspan_and_colspan() -> None:
    expected = food_rows()
    pages = [
        layout(
            "食品安全监督抽检合格产品信息",
            FOOD_HEADER_TWO_ROWS,
            chunk,
            section="一、抽检产品",
            merge_equal_in=("被抽样单位名称", "生产日期/批号"),
        )
        for chunk in _chunks(expected, 800)
    ]
    document = "<html><head><meta charset='utf-8'></head><body><div class='TRS_Editor'>"
    document += "\n".join(f"<p>附件{i + 1}</p>" + html_table(p) for i, p in enumerate(pages)) + "</div></body></html>"
    kind, tables = read_tables(document.encode("utf-8"))
    assert kind == "html"
    assert len(tables) == len(pages)
    assert all(row.section == "一、抽检产品" for t in tables for row in t.rows)
    assert_rows_match(tables, expected, FOOD_FIELDS)


def test_national_2023_rows_from_xlsx_with_header_on_row_three() -> None:
    expected = national_2023_rows()
    assert len(expected) == 136
    header = ["序号", "产品种类", "标称生产单位", "产品名称", "规格型号", "生产日期/批号", "主要不合格项目", "备注"]
    sheet = layout(
        "产品质量国家监督抽查不合格产品名单",
        header,
        expected,
        note="注：带*的不合格项目为关键项目。",
        merge_equal_in=("产品种类",),
    )
    _, tables = read_tables(xlsx_bytes({"Sheet1": sheet}))
    assert len(tables) == 1 and tables[0].header_rows == (3,)
    assert_rows_match(tables, expected, NATIONAL_FIELDS)
    kinds = [row.values["产品种类"] for row in tables[0].rows]
    assert kinds == [r["产品种类"] for r in expected]  # merged 产品种类 cells are forward-filled


def test_shenzhen_pass_and_fail_workbooks_in_a_gbk_named_zip() -> None:
    books = shenzhen_rows()
    assert (len(books["conforming"]), len(books["nonconforming"])) == (95, 11)
    header = [
        "序号",
        "产品类别",
        "样品名称",
        "商标",
        "规格型号",
        "生产日期/批号",
        "标称生产企业",
        "不合格项目",
        "检验结论",
        "备注",
    ]
    members = {
        "附件1：合格产品信息.xlsx": xlsx_bytes({"合格": layout("合格产品信息", header, books["conforming"])}),
        "附件2：不合格产品信息.xlsx": xlsx_bytes({"不合格": layout("不合格产品信息", header, books["nonconforming"])}),
        "说明.doc": b"not a table",
    }
    kind, tables = read_tables(zip_bytes(members, gbk_names=True))
    assert kind == "zip"
    assert [t.sheet for t in tables] == ["附件1：合格产品信息.xlsx/合格", "附件2：不合格产品信息.xlsx/不合格"]
    assert_rows_match(tables, books["conforming"] + books["nonconforming"], SHENZHEN_FIELDS)


def test_pass_list_below_fail_list_on_one_sheet_is_a_second_table() -> None:
    books = shenzhen_rows()
    header = [
        "序号",
        "产品类别",
        "样品名称",
        "商标",
        "规格型号",
        "生产日期/批号",
        "标称生产企业",
        "不合格项目",
        "检验结论",
        "备注",
    ]
    fail = layout("一、不合格产品", header, books["nonconforming"], footer=None)
    passed = layout("二、合格产品", header, books["conforming"])
    both = Layout(
        cells=[*fail.cells, [""] * len(header), *passed.cells],
        merges=fail.merges
        + [(r0 + len(fail.cells) + 1, r1 + len(fail.cells) + 1, c0, c1) for r0, r1, c0, c1 in passed.merges],
    )
    _, tables = read_tables(xlsx_bytes({"Sheet1": both}))
    assert [t.title for t in tables] == ["一、不合格产品", "二、合格产品"]
    assert_rows_match(tables, books["nonconforming"] + books["conforming"], SHENZHEN_FIELDS)


def test_national_2023_rows_from_xls() -> None:
    expected = national_2023_rows()
    header = ["序号", "产品种类", "标称生产单位", "产品名称", "规格型号", "生产日期/批号", "主要不合格项目", "备注"]
    sheet = layout("产品质量国家监督抽查不合格产品名单", header, expected, merge_equal_in=("产品种类",))
    data = xls_bytes({"Sheet1": sheet})
    assert detect_format(data) == "xls"
    kind, tables = read_tables(data)
    assert kind == "xls"
    assert_rows_match(tables, expected, NATIONAL_FIELDS)


def test_unmerged_continuation_rows_are_more_failed_items_of_the_row_above() -> None:
    """Tables that list one failed item per line leave 序号 and the product name empty on the extra lines."""
    expected = national_2023_rows()[:20]
    header = ["序号", "产品种类", "标称生产单位", "产品名称", "规格型号", "生产日期/批号", "主要不合格项目", "备注"]
    sheet = layout("不合格产品名单", header, expected)
    split_cells: list[list[str]] = sheet.cells[: sheet.first_data_row]
    item_column = header.index("主要不合格项目")
    for row in sheet.cells[sheet.first_data_row : sheet.first_data_row + len(expected)]:
        items = row[item_column].split(",")
        split_cells.append([*row[:item_column], items[0], *row[item_column + 1 :]])
        split_cells.extend([""] * item_column + [item] + [""] for item in items[1:])
    _, tables = read_tables(xlsx_bytes({"Sheet1": Layout(cells=split_cells, merges=sheet.merges[:1])}))
    rows = tables[0].rows
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert row.values["主要不合格项目"] == want["主要不合格项目"].replace(",", "\n")
        assert row.values["产品名称"] == want["产品名称"]


def test_a_table_without_known_header_words_yields_nothing() -> None:
    grid = grids_from_html("<table><tr><td>栏目</td><td>链接</td></tr><tr><td>首页</td><td>/</td></tr></table>")[0]
    assert tables_from_grid(grid) == []


def test_unreadable_bytes_are_reported() -> None:
    from crawlers.spiders._result_tables import UnreadableTable

    with pytest.raises(UnreadableTable):
        read_tables(b"%PDF-1.7 not a table")
    truncated = xlsx_bytes({"Sheet1": layout("t", ["序号", "产品名称", "商标", "规格型号"], [{}])})[:500]
    with pytest.raises(UnreadableTable):
        read_tables(truncated)


def test_row_numbers_and_headers_are_kept_for_provenance(tmp_path: Path) -> None:
    expected = national_2023_rows()[:3]
    header = ["序号", "产品种类", "标称生产单位", "产品名称", "规格型号", "生产日期/批号", "主要不合格项目", "备注"]
    path = tmp_path / "attach.xlsx"
    path.write_bytes(xlsx_bytes({"Sheet1": layout("名单", header, expected, note="说明行")}))
    _, tables = read_tables(path.read_bytes())
    assert [r.row_number for r in tables[0].rows] == [4, 5, 6]
    assert list(tables[0].rows[0].values) == header
