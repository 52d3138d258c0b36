"""Unit tests for transforms.normalise (dates, regions, countries, firms, retailers, GTINs, models).

Edge cases come from the real fixtures under shared/realdata (read at test time, never copied): the *_realdata
tests walk whole columns and skip with a reason when the folder is absent.
"""

from __future__ import annotations

import csv
import json
import os
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from transforms.normalise import (
    clean_model,
    clean_text,
    country_code,
    country_codes,
    extract_models,
    firm_key,
    is_valid_gtin,
    normalise_firm,
    normalise_gtin,
    parse_date,
    region_code,
    region_name,
    retailer_names,
    split_gtins,
    split_models,
)

pytestmark = pytest.mark.unit


def _realdata_dir() -> Path:
    configured = os.environ.get("ECMON_REALDATA_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


def _realdata(folder: str) -> Path:
    path = _realdata_dir() / folder
    if not path.is_dir():
        pytest.skip(f"real-data fixture folder {path} is absent (set ECMON_REALDATA_DIR to run this test)")
    return path


# --------------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-07-09T00:00:00", date(2026, 7, 9)),  # CPSC API RecallDate
        ("2025-04-22T12:07:14", date(2025, 4, 22)),  # complaint timestamp, naive
        ("2025-05-13T14:03:18.229700", date(2025, 5, 13)),
        ("2024-01-01T01:00:00+08:00", date(2023, 12, 31)),  # zone-aware: UTC day is the day before
        ("2025-11-04T23:30:00Z", date(2025, 11, 4)),
        ("2013-10-24", date(2013, 10, 24)),
        ("20220305", date(2022, 3, 5)),  # openFDA YYYYMMDD
        ("04/14/2026", date(2026, 4, 14)),  # FDA iRES MM/DD/YYYY
        ("25/12/2022", date(2022, 12, 25)),  # first field > 12 cannot be a month
        ("Fri, 07 Jun 2024 12:00:00 +0000", date(2024, 6, 7)),  # RSS pubDate
        ("Fri, 17 Oct 2025 21:43:00 EDT", date(2025, 10, 18)),  # named zone, crosses midnight UTC
        ("1650000000", date(2022, 4, 15)),  # unix seconds
        ("1650000000000", date(2022, 4, 15)),  # unix milliseconds
        ("2022年3月5日", date(2022, 3, 5)),
        ("我于2025年 4月6号从天猫超市购买", date(2025, 4, 6)),  # complaint text: spaces and 号
        ("2022.03.05", date(2022, 3, 5)),
        ("2019.12.1", date(2019, 12, 1)),  # spot-check batch dates drop the zero
        ("2022/3/5", date(2022, 3, 5)),
        ("22.04.2022", date(2022, 4, 22)),  # lebensmittelwarnung.de
        ("  13.04.2022 ", date(2022, 4, 13)),
        ("22. April 2022", date(2022, 4, 22)),
        ("June 20, 1994", date(1994, 6, 20)),  # CPSC CSV export
        ("Dec. 8, 2002", date(2002, 12, 8)),
        ("20 June 1994", date(1994, 6, 20)),
        ("2022-01-14 10:00", date(2022, 1, 14)),
    ],
)
def test_parse_date_formats(value: str, expected: date) -> None:
    assert parse_date(value) == expected


def test_parse_date_accepts_numbers_and_date_objects() -> None:
    assert parse_date(20220305) == date(2022, 3, 5)
    assert parse_date(1650000000) == date(2022, 4, 15)
    assert parse_date(date(2020, 1, 2)) == date(2020, 1, 2)
    shanghai_morning = datetime(2025, 4, 22, 2, 7, tzinfo=timezone(timedelta(hours=8)))
    assert parse_date(shanghai_morning) == date(2025, 4, 21)


def test_parse_date_naive_times_use_default_tz() -> None:
    assert parse_date("2025-04-22T02:07:14") == date(2025, 4, 22)
    assert parse_date("2025-04-22T02:07:14", default_tz=ZoneInfo("Asia/Shanghai")) == date(2025, 4, 21)
    assert parse_date("2025/4/22 02:07", default_tz=ZoneInfo("Asia/Shanghai")) == date(2025, 4, 21)
    # A bare calendar date names a day, not an instant: no shift.
    assert parse_date("2025-04-22", default_tz=ZoneInfo("Asia/Shanghai")) == date(2025, 4, 22)


@pytest.mark.parametrize("empty", [None, "", "   ", float("nan")])
def test_parse_date_empty_is_none(empty: object) -> None:
    assert parse_date(empty) is None
    assert parse_date(empty, strict=True) is None


@pytest.mark.parametrize("garbage", ["garbage", "2022/13/45", "0000-00-00", "12345", "31.02.2022"])
def test_parse_date_garbage(garbage: str) -> None:
    assert parse_date(garbage) is None
    with pytest.raises(ValueError, match=re.escape(repr(garbage))):
        parse_date(garbage, strict=True)


def test_parse_date_cpsc_csv_dates_realdata() -> None:
    folder = _realdata("cpsc_recalls_csv_export")
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                for column in ("Date", "Product Safety Warning Date"):
                    if row[column].strip():
                        assert parse_date(row[column], strict=True) is not None


def test_parse_date_feeds_realdata() -> None:
    rss = _realdata("fda_food_recalls_rss")
    fsis = _realdata("usda_fsis_recalls_rss")
    pub_dates = [m for path in [*rss.glob("*.xml"), *fsis.glob("*.xml")] for m in _pub_dates(path)]
    assert pub_dates
    for value in pub_dates:
        parsed = parse_date(value, strict=True)
        assert date(2000, 1, 1) < parsed < date(2100, 1, 1)


def _pub_dates(path: Path) -> list[str]:
    return re.findall(r"<pubDate>([^<]+)</pubDate>", path.read_text(encoding="utf-8"))


def test_parse_date_fda_apis_realdata() -> None:
    ires = _realdata("fda_ires_enforcement_api")
    for path in ires.glob("*.json"):
        for record in json.loads(path.read_text(encoding="utf-8"))["RESULT"]:
            for field in ("RECALLINITIATIONDT", "CENTERCLASSIFICATIONDT", "TERMINATIONDT", "EVENTLMD"):
                if record.get(field):
                    assert parse_date(record[field], strict=True) is not None
    openfda = _realdata("openfda_food_enforcement")
    for path in openfda.glob("shelfcheck*.json"):
        for record in json.loads(path.read_text(encoding="utf-8")):
            for field in ("recall_initiation_date", "report_date"):
                if record.get(field):
                    assert parse_date(record[field], strict=True).year >= 2000


def test_parse_date_german_and_chinese_sources_realdata() -> None:
    german = _realdata("lebensmittelwarnung")
    for path in german.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                assert parse_date(row["date"], strict=True).year >= 2018
    foodmate = _realdata("cn_food_spotcheck_foodmate")
    for path in foodmate.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for column in ("生产日期", "发布日期"):
                    if row[column].strip():
                        assert parse_date(row[column], strict=True) is not None


def test_parse_date_spot_check_batches_realdata() -> None:
    folder = _realdata("cn_product_spotcheck_derived")
    seen = 0
    for path in folder.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            value = json.loads(line).get("production_date_or_batch_source_reported") or ""
            # Only the values that are dates (batch numbers with letters are not): 2020.05.16, 20200403, 2019/2/28
            if re.fullmatch(r"\d{4}[./]\d{1,2}[./]\d{1,2}|\d{8}", value):
                assert parse_date(value, strict=True) is not None
                seen += 1
    assert seen > 0


# --------------------------------------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("广东省", "440000"),
        ("广东", "440000"),
        ("深圳市", "440300"),
        ("广东省深圳市南山区科技园", "440300"),
        ("内蒙古自治区", "150000"),
        ("新疆维吾尔自治区", "650000"),
        ("香港特别行政区", "810000"),
        ("杭州市", "330100"),
        ("漳州市龙文区董世川豆制品店 ", "350600"),  # foodmate seller with a district not in the table
        ("国内监督抽查(吉林市场监管局)", "220000"),  # 吉林 + 市场 (market), not 吉林市
        ("吉林省吉林市", "220200"),
        ("厦门市中山路", "350200"),  # 中山 after 厦门市 is a street, not 中山市
        ("长春市朝阳区", "220100"),  # Changchun's 朝阳区 is not Beijing's
        ("北京市朝阳区", "110105"),
        ("上海浦东", "310115"),
        ("海南省海口市", "460100"),
        ("海南州", "632500"),  # Qinghai's 海南藏族自治州, not 海南省
        ("湖北省恩施州", "422800"),
        ("经销商：连云港棠品食品有限公司；生产商：舟山恒冠食品有限公司", "320700"),
        ("Art-Tech R/C Hobby Co., Ltd. of Shenzhen, China", "440300"),  # CPSC importer seat in pinyin
        ("Lerado (Zhongshan) Industrial Co. Ltd., of China", "442000"),
        ("Xi'an", "610100"),
        ("Xian Foods", "610100"),
    ],
)
def test_region_code(text: str, code: str) -> None:
    assert region_code(text) == code


@pytest.mark.parametrize(
    "text", ["普洱茶", "大理石台面", "霞浦县参之润水产品商行", "Peony Design Co., of Howell, MI", "", None]
)
def test_region_code_none(text: str | None) -> None:
    assert region_code(text) is None


def test_region_name() -> None:
    assert region_name("440300") == "深圳市"
    assert region_name("999999") is None


def _divisions() -> list[dict[str, str]]:
    data = Path(__file__).resolve().parents[2] / "transforms" / "normalise" / "data" / "cn_divisions.csv"
    with data.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_divisions_table_is_consistent() -> None:
    rows = _divisions()
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    provinces = {row["code"] for row in rows if row["level"] == "province"}
    assert len(provinces) == 34
    for row in rows:
        assert row["code"][:2] + "0000" in provinces, row
        assert region_code(row["name"]) == row["code"], row


@pytest.mark.parametrize(
    ("province", "prefectures"),
    [("44", 21), ("33", 11), ("32", 13), ("35", 9), ("37", 16), ("13", 11), ("41", 18)],  # 河南: 17 + 济源
)
def test_divisions_cover_manufacturing_provinces(province: str, prefectures: int) -> None:
    count = sum(1 for row in _divisions() if row["level"] == "prefecture" and row["code"].startswith(province))
    assert count == prefectures


def test_divisions_cover_beijing_and_shanghai_districts() -> None:
    rows = _divisions()
    assert sum(1 for row in rows if row["level"] == "district" and row["code"].startswith("11")) == 16
    assert sum(1 for row in rows if row["level"] == "district" and row["code"].startswith("31")) == 16


def test_region_code_regulators_realdata() -> None:
    folder = _realdata("cn_food_spotcheck_foodmate")
    regulators: set[str] = set()
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            regulators |= {row["发布单位"] for row in csv.DictReader(handle)}
    assert regulators
    for regulator in regulators:
        code = region_code(regulator)
        if "国家" in regulator:  # the national regulator (国家市场监管总局) has no region
            assert code is None
        else:  # "国内监督抽查(山东市场监管局)": a provincial market regulator resolves to its province
            assert code is not None and code.endswith("0000"), regulator


# --------------------------------------------------------------------------------------------------- countries


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Made in China", ["CN"]),
        ("China", ["CN"]),
        ("中国", ["CN"]),
        ("Deutschland", ["DE"]),
        ("DE", ["DE"]),
        ("DEU", ["DE"]),
        ("USA", ["US"]),
        ("U.S.", ["US"]),
        ("Mexico and Korea", ["MX", "KR"]),
        ("Germany and U.S.", ["DE", "US"]),
        ("Assembled in Mexico", ["MX"]),
        ("Mexico.", ["MX"]),
        ("China (rack and tea light), Indonesia (ceramic dish)", ["CN", "ID"]),
        ("Slovakia and China (compressors); and United States (commercial refrigerators)", ["SK", "CN", "US"]),
        ("England", ["GB"]),
        ("Vietnam", ["VN"]),
        ("Taiwan", ["TW"]),
        ("Hong Kong", ["HK"]),
        ("Czech Republic", ["CZ"]),
        ("Georgia", ["GE"]),
        ("Ferrero Deutschland GmbH Hainer Weg 120 60599 Frankfurt am Main", ["DE"]),
        ("内蒙古伊利实业集团", ["CN"]),
        ("中国台湾", ["TW"]),
        ("made in prc", ["CN"]),
    ],
)
def test_country_codes(text: str, codes: list[str]) -> None:
    assert country_codes(text) == codes
    assert country_code(text) == codes[0]


@pytest.mark.parametrize(
    "text",
    [
        "New Bern, N.C.",
        "of Atlanta, Georgia",
        "Toys R Us, of Wayne, N.J.",
        "安泰国际贸易有限公司",
        "us",
        "in",
        "",
        None,
    ],
)
def test_country_code_none(text: str | None) -> None:
    assert country_code(text) is None


def test_country_codes_cpsc_realdata() -> None:
    values: set[str] = set()
    for path in _realdata("cpsc_recall_api_json").glob("*.json"):
        for record in json.loads(path.read_text(encoding="utf-8")):
            values |= {entry["Country"] for entry in record["ManufacturerCountries"]}
    for path in _realdata("usa_gov_recalls_api_cpsc").glob("*.json"):
        for record in json.loads(path.read_text(encoding="utf-8"))["success"]["results"]:
            values |= set(record.get("countries") or [])
    assert len(values) > 20
    for value in values:
        assert country_code(value) is not None, value


def test_country_codes_cpsc_csv_realdata() -> None:
    folder = _realdata("cpsc_recalls_csv_export")
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                value = row["Manufactured In"]
                if value and "N.C." not in value:  # one row names a US town instead of a country
                    assert country_codes(value), value


# --------------------------------------------------------------------------------------------------- firms


@pytest.mark.parametrize(
    ("raw", "display", "key"),
    [
        ("Peony Design Co., of Howell, MI", "Peony Design Co.", "peony design"),
        ('Toys "R" Us, of Wayne, N.J.', 'Toys "R" Us', "toys r us"),
        ("Cascade Designs Inc.,\xa0of Seattle, Washington", "Cascade Designs Inc.", "cascade designs"),
        ('"Liebherr-Canada Ltd of Ontario, of Canada"', "Liebherr-Canada Ltd", "liebherr canada"),
        ("Vornado Air, LLC, of Andover, Kan.", "Vornado Air, LLC", "vornado air"),
        ("Art-Tech R/C Hobby Co., Ltd. of Shenzhen, China", "Art-Tech R/C Hobby Co., Ltd.", "art tech r c hobby"),
        ("Frigidaire, a division of Electrolux Home Products Inc., of Augusta, Ga.", "Frigidaire", "frigidaire"),
        ("GE Appliances, a Haier company, of Louisville, Kentucky\xa0\n\n\xa0", "GE Appliances", "ge appliances"),
        ("Generation 2 Worldwide of Dothan, Alabama", "Generation 2 Worldwide", "generation 2 worldwide"),
        ("Lewis of London", "Lewis of London", "lewis of london"),  # a brand, not a seat
        ("Rotinyard,of Zhejiang, China", "Rotinyard", "rotinyard"),
        ("The Cookware Company (USA) LLC, of Irvington, New York", "The Cookware Company (USA) LLC", "cookware"),
        ("Simplicity Inc. (firm is no longer in business)", "Simplicity Inc.", "simplicity"),
        (
            "Macy’s Merchandising Group, Inc., of New York, N.Y.",
            "Macy's Merchandising Group, Inc.",
            "macys merchandising",
        ),
        ("GE Consumer &amp; Industrial, of Louisville, Ky.", "GE Consumer & Industrial", "ge consumer industrial"),
        ("Conair Corp., of Stamford, Conn., owner of the Cuisinart brand", "Conair Corp.", "conair"),
        ("ＡＢＣ　Ｔｒａｄｉｎｇ　Ｃｏ．，Ｌｔｄ．", "ABC Trading Co.,Ltd.", "abc trading"),  # full-width
        ("    KoRo Handels GmbH Koppenplatz 9 10115 Berlin  ", "KoRo Handels GmbH", "koro handels"),
        ("    One World Foods, Inc./USA  ", "One World Foods, Inc.", "one world foods"),
        ("     Fa. Kosebate GmbH  ", "Kosebate GmbH", "kosebate"),
        (
            "    Ferrero Deutschland GmbH\n Hainer Weg 120\n 60599 Frankfurt am Main  ",
            "Ferrero Deutschland GmbH",
            "ferrero deutschland",
        ),
        ("    I. Schroeder Gmbh und Co.\n Am Sandtorkai 37", "I. Schroeder Gmbh und Co.", "i schroeder"),
        ("广东壹号食品股份有限公司", "广东壹号食品股份有限公司", "壹号食品"),
        ("北京盒马网络科技有限公司富丰桥分公司", "北京盒马网络科技有限公司富丰桥分公司", "盒马网络科技"),
        ("来威（天津）润滑油有限公司", "来威(天津)润滑油有限公司", "来威润滑油"),
        ("漳州市龙文区董世川豆制品店 ", "漳州市龙文区董世川豆制品店", "董世川豆制品店"),
        ("福建省绿洲超市有限公司莆田棠坡店", "福建省绿洲超市有限公司莆田棠坡店", "绿洲超市"),
        ("某某集团有限公司", "某某集团有限公司", "某某"),
        # Spot-check producer cells that name two parties: the producer, or the commissioning firm, is kept.
        ("经销商：甲乙食品有限公司；生产商：丙丁食品有限公司 ", "丙丁食品有限公司", "丙丁食品"),
        ("受委托单位：甲乙食品有限公司；委托单位：丙丁实业有限公司", "丙丁实业有限公司", "丙丁实业"),
        ("北京甲乙食品有限公司怀柔酿造厂", "北京甲乙食品有限公司怀柔酿造厂", "甲乙食品"),  # a factory of the firm
    ],
)
def test_normalise_firm(raw: str, display: str, key: str) -> None:
    firm = normalise_firm(raw)
    assert firm is not None
    assert (firm.display, firm.key) == (display, key)
    assert firm_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "trade_names"),
    [
        ("ABL Group, Inc. dba Upperluxe and Modera Store, of Brick, New Jersey", ("Upperluxe", "Modera Store")),
        ("Starbucks Corporation, dba Teavana, of Seattle, Wash.", ("Teavana",)),
        ("CT (Foshan) New Energy Technology Co., Ltd. (dba CT-Energy), of China", ("CT-Energy",)),
        (
            'Sunbeam Products Inc. d/b/a Jarden Consumer Solutions ("JCS"), of Boca Raton, Fla.',
            ("Jarden Consumer Solutions",),
        ),
        ("Source Network Sales and Marketing, LLC d/b/a/ lifesmart, of Plano, Texas", ("lifesmart",)),
    ],
)
def test_normalise_firm_trade_names(raw: str, trade_names: tuple[str, ...]) -> None:
    firm = normalise_firm(raw)
    assert firm is not None and firm.trade_names == trade_names
    assert "dba" not in firm.key and "d b a" not in firm.key


@pytest.mark.parametrize("placeholder", ["/ ", "", "  ", None, "N/A", "无"])
def test_normalise_firm_placeholders(placeholder: str | None) -> None:
    assert normalise_firm(placeholder) is None
    assert firm_key(placeholder) == ""


def test_firm_keys_cpsc_realdata() -> None:
    names: set[str] = set()
    for path in _realdata("cpsc_recall_api_json").glob("*.json"):
        for record in json.loads(path.read_text(encoding="utf-8")):
            for field in ("Manufacturers", "Importers", "Distributors"):
                names |= {entry["Name"] for entry in record[field] if entry["Name"]}
    assert len(names) > 100
    for name in names:
        firm = normalise_firm(name)
        assert firm is not None, name
        assert ", of " not in firm.display, name  # the seat is gone
        assert firm.key == firm.key.casefold() and "  " not in firm.key


def test_firm_keys_chinese_producers_realdata() -> None:
    folder = _realdata("cn_food_spotcheck_foodmate")
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                firm = normalise_firm(row["生产商"])
                if row["生产商"].strip() in {"", "/", "无"}:  # placeholders for "no producer stated"
                    assert firm is None
                else:
                    assert firm is not None and "有限公司" not in firm.key, row["生产商"]


# --------------------------------------------------------------------------------------------------- retailers


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Online at Etsy.com from October 2025 through July 2026 for between $15 and $45.", ["Etsy"]),
        (
            "Target, Walmart, Kohls and other stores nationwide and online at www.target.com, www.walmart.com, "
            "www.kohls.com and other websites from August 2021 through October 2023",
            ["Target", "Walmart", "Kohl's"],
        ),
        (
            "Lowe’s, Home Depot and other stores nationwide and online at Frigidaire.com",
            ["Lowe's", "Home Depot", "frigidaire.com"],
        ),
        ("Toys R Us, Wal-Mart, Target, KB Toys and other retailers nationwide", ["Toys R Us", "Walmart", "Target"]),
        (
            "Online at ErgoBaby.com, AlbeeBaby.com and Amazon.com from July 2018",
            ["ergobaby.com", "albeebaby.com", "Amazon"],
        ),
        ("Online at www.babybay.us from April 2016 to January 2018", ["babybay.us"]),
        ("天猫超市纸尿裤出现产品质量问题", ["天猫"]),
        ("我在京东自营和拼多多买的，抖音也有", ["京东", "拼多多", "抖音"]),
        ("淘宝店铺", ["淘宝"]),
        ("Mass merchandise and independent retail stores from January 2005", []),
        ("Aim your target at the market", []),
        ("", []),
    ],
)
def test_retailer_names(text: str, names: list[str]) -> None:
    assert retailer_names(text) == names


# --------------------------------------------------------------------------------------------------- GTIN


@pytest.mark.parametrize("code", ["4006381333931", "036000291452", "96385074", "00012914058022", "4006-3813-3393-1"])
def test_valid_gtins(code: str) -> None:
    assert is_valid_gtin(code)
    normalised = normalise_gtin(code)
    assert normalised is not None and len(normalised) == 14 and is_valid_gtin(normalised)


@pytest.mark.parametrize("code", ["4006381333932", "M0080000", "10005650", "13323", "0000000000000", "", None, "abc"])
def test_invalid_gtins(code: str | None) -> None:
    assert not is_valid_gtin(code)
    assert normalise_gtin(code) is None


def test_gtin_same_item_in_any_length_compares_equal() -> None:
    assert normalise_gtin("012914058022") == normalise_gtin("0012914058022") == normalise_gtin("00012914058022")


def test_gtin_eleven_digit_upcs() -> None:
    # Leading zero lost: padding gives a valid UPC-A.
    assert normalise_gtin("36000291452") == "00036000291452"
    # Check digit left off (a run of consecutive item numbers): the check digit is computed.
    assert normalise_gtin("75396312292") == "00753963122929"


def test_split_gtins() -> None:
    assert split_gtins("036000291452, 4006381333931; x") == ["00036000291452", "04006381333931"]
    assert split_gtins(["820633985358", "820633985358"]) == ["00820633985358"]
    assert split_gtins(None) == []


def test_gtins_usa_gov_realdata() -> None:
    seen = 0
    for path in _realdata("usa_gov_recalls_api_cpsc").glob("*.json"):
        for record in json.loads(path.read_text(encoding="utf-8"))["success"]["results"]:
            for code in split_gtins(record.get("upcs") or []):
                assert len(code) == 14 and is_valid_gtin(code)
                seen += 1
    assert seen > 10


# --------------------------------------------------------------------------------------------------- models


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Model BR-C708S", "BR-C708S"),
        ("型号：HZY4", "HZY4"),
        ("No. 25138", "25138"),
        ("model no. tj75b12a.", "TJ75B12A"),
        ('  "1401-RDG-US" ', "1401-RDG-US"),
        ("Model Number: ST31D09A", "ST31D09A"),
        ("Ｍｏｄｅｌ　ＡＢＣ－１２３", "ABC-123"),
        ("a  100   x", "A 100 X"),
    ],
)
def test_clean_model(raw: str, clean: str) -> None:
    assert clean_model(raw) == clean


@pytest.mark.parametrize("raw", ["", None, "Model:", " . "])
def test_clean_model_empty(raw: str | None) -> None:
    assert clean_model(raw) is None


@pytest.mark.parametrize(
    ("raw", "models"),
    [
        ("A100, A200 and B300", ["A100", "A200", "B300"]),
        ("model numbers: U341763, U341764, U341782 and U341783", ["U341763", "U341764", "U341782", "U341783"]),
        ("MT12-03, MT12-11; MT12-14, MT12-03", ["MT12-03", "MT12-11", "MT12-14"]),
        ("TOD1058、TOD9109和ZEE0649", ["TOD1058", "TOD9109", "ZEE0649"]),
        ("I-107, I-110 or I-205", ["I-107", "I-110", "I-205"]),
    ],
)
def test_split_models(raw: str, models: list[str]) -> None:
    assert split_models(raw) == models


@pytest.mark.parametrize(
    ("text", "models"),
    [
        (
            "This recall involves gas ranges with model numbers NS-RGFGSS1 and NS-RGFCGS2. The ranges",
            ["NS-RGFGSS1", "NS-RGFCGS2"],
        ),
        ("The model number (HGB85) is located on the tag", ["HGB85"]),
        ('model number "1401-RDG-US" is printed on the frame', ["1401-RDG-US"]),
        ("model numbers starting with JL031, JL032 or JL036 manufactured", ["JL031", "JL032", "JL036"]),
        ("Quartz Pink (Model Number ST31D09A), S", ["ST31D09A"]),
        ("model name Roam, model number, and date of manufacture", []),
        ("models of double strollers", []),
        ("产品型号：ABC-12 规格 500ml", ["ABC-12"]),
    ],
)
def test_extract_models(text: str, models: list[str]) -> None:
    assert extract_models(text) == models


def test_extract_models_cpsc_descriptions_realdata() -> None:
    found = 0
    for path in _realdata("cpsc_recall_api_json").glob("*.json"):
        for record in json.loads(path.read_text(encoding="utf-8")):
            for model in extract_models(record.get("Description") or ""):
                assert re.search(r"\d", model) and model == model.upper(), model
                found += 1
    assert found > 20


# --------------------------------------------------------------------------------------------------- text


def test_clean_text() -> None:
    assert clean_text("Hamilton Beach&#174; classic&nbsp;toasters ") == "Hamilton Beach classic toasters"
    assert clean_text("Insignia® Gas Ranges") == "Insignia Gas Ranges"
    assert clean_text("ＡＢＣ（深圳）") == "ABC(深圳)"
    assert clean_text(None) == "" and clean_text(float("nan")) == ""
    assert datetime.now(UTC).tzinfo is UTC  # UTC import used by the date tests above
