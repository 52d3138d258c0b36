"""Taxonomy data files: validation on load, roll-up to the README top codes, crosswalk look-ups."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from transforms import taxonomy
from transforms.taxonomy.crosswalk import build_index
from transforms.taxonomy.labels import contains_cjk, fold_punctuation, normalise_label
from transforms.taxonomy.tree import read_tree

pytestmark = pytest.mark.unit

README_PRODUCT_TOPS = ("ELEC", "CHILD", "TEXT", "HOME", "COSM", "FOOD", "FCM", "BUILD", "VEHI", "SPORT", "TOOL")
README_PRODUCT_TOPS += ("SAFETY", "AGRI", "OTHER")
README_HAZARD_TOPS = ("CHEMICAL", "ELECTRIC", "FIRE", "MECHANICAL", "CHOKING", "MICROBIO", "LABELLING")
README_HAZARD_TOPS += ("PERFORMANCE", "EMC", "OTHER")


def realdata_dir() -> Path:
    configured = os.environ.get("ECMON_REALDATA_DIR")
    path = Path(configured) if configured else Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
    if not path.is_dir():
        pytest.skip(f"real data not available at {path} (set ECMON_REALDATA_DIR to the shared/realdata folder)")
    return path


def test_top_codes_are_exactly_the_readme_codes():
    assert taxonomy.PRODUCT_TOP_CODES == README_PRODUCT_TOPS
    assert taxonomy.HAZARD_TOP_CODES == README_HAZARD_TOPS
    kinds = taxonomy.load_product_kinds()
    hazards = taxonomy.load_hazards()
    assert set(kinds.loc[kinds["level"] == 0, "code"]) == set(README_PRODUCT_TOPS)
    assert set(hazards.loc[hazards["level"] == 0, "code"]) == set(README_HAZARD_TOPS)


def test_every_code_rolls_up_to_one_top_code():
    for frame, tops in (
        (taxonomy.load_product_kinds(), README_PRODUCT_TOPS),
        (taxonomy.load_hazards(), README_HAZARD_TOPS),
    ):
        assert frame["code"].is_unique
        for row in frame.itertuples():
            assert row.top_code in tops
            assert taxonomy.top_level(row.code) == row.top_code
            assert row.level == 0 or row.parent is not None


def test_second_level_covers_the_national_spot_check_catalogue():
    kinds = taxonomy.load_product_kinds()
    catalogue = kinds[(kinds["level"] == 1) & kinds["basis"].str.contains("cn_catalogue")]
    assert len(catalogue) > 100
    expected = {
        "电动自行车": "VEHI",
        "儿童玩具": "CHILD",
        "电热毯": "ELEC",
        "插头插座": "BUILD",
        "电线电缆": "BUILD",
        "童装": "CHILD",
        "羽绒服装": "TEXT",
        "纸尿裤": "CHILD",
        "食品用塑料包装容器": "FCM",
        "化肥": "AGRI",
        "头盔": "VEHI",
        "消防器材": "SAFETY",
        "口罩": "SAFETY",
        "汽车用尿素": "VEHI",
        "机动车冷却液": "VEHI",
    }
    for name, top in expected.items():
        code = taxonomy.crosswalk_category("cn_spotcheck", name)
        assert code is not None and taxonomy.top_level(code) == top, name


def test_every_cpsc_product_type_in_the_real_data_has_a_crosswalk():
    folder = realdata_dir() / "usa_gov_recalls_api_cpsc"
    types = set()
    for path in folder.glob("*.json"):
        for item in json.loads(path.read_text(encoding="utf-8"))["success"]["results"]:
            types.update(t for t in item.get("product_types") or [] if t)
    for name in (p.stem.replace("+", " ") for p in folder.glob("*.json")):
        types.add(name)  # file names are CPSC category queries
    spans_several_kinds = {fold_punctuation(normalise_label(t)) for t in _CPSC_TYPES_WITHOUT_CODE}
    missing = sorted(
        t
        for t in types
        if taxonomy.crosswalk_category("cpsc", t) is None
        and fold_punctuation(normalise_label(t)) not in spans_several_kinds
    )
    assert not missing


# CPSC product types whose crosswalk row says "-": each names kinds of two top-level codes.
_CPSC_TYPES_WITHOUT_CODE = ("Sippy/Tumbler Cups", "Coffeemakers/Coffeepots/Teapots/Kettles")


def test_a_label_spanning_several_top_level_kinds_gives_no_code():
    for label in (*_CPSC_TYPES_WITHOUT_CODE, "Sippy Tumbler Cups"):  # the query-file spelling folds alike
        assert taxonomy.crosswalk_category("cpsc", label) is None, label
    # The "-" stops the look-up: no keyword rule ("cups" → FCM) is tried for such a label.
    assert taxonomy.crosswalk_category("cpsc", "Cups") is not None
    # Neighbouring types still map.
    assert taxonomy.top_level(taxonomy.crosswalk_category("cpsc", "Coffee Makers or Teapots")) == "ELEC"
    assert taxonomy.top_level(taxonomy.crosswalk_category("cpsc", "Baby Feeding Items")) == "CHILD"


def crosswalk_from(tmp_path, tree_file, top_codes, row: str):
    """A crosswalk index built from one CSV row against the repository's taxonomy tree."""
    nodes = read_tree(tree_file, top_codes, ("code", "parent", "name_zh", "name_en"))
    path = tmp_path / "crosswalk.csv"
    path.write_text(f"scheme,match,label,code,note\n{row}\n", encoding="utf-8")
    return build_index(path, nodes, precedence={})


def test_no_code_is_refused_in_keyword_rules(tmp_path):
    products = (tmp_path, taxonomy.PRODUCT_KINDS_FILE, taxonomy.PRODUCT_TOP_CODES)
    with pytest.raises(ValueError, match=r"row 2: field 'code': '-' is only allowed in exact rules"):
        crosswalk_from(*products, "cpsc,keyword,cups,-,")
    assert crosswalk_from(*products, "cpsc,exact,Sippy/Tumbler Cups,-,").lookup("cpsc", "sippy/tumbler cups") is None


def test_special_populations_follow_5_1_2_b():
    assert taxonomy.special_populations("CHILD") == ["infants", "children"]
    assert taxonomy.special_populations("FOOD.INFANT_FORMULA") == ["infants"]
    assert taxonomy.special_populations("FOOD.SPECIAL_MEDICAL") == ["patients"]
    assert "pregnant" in taxonomy.special_populations("TEXT.MATERNITY")
    assert taxonomy.special_populations("ELEC.KETTLE") == []
    with pytest.raises(ValueError, match="unknown product code"):
        taxonomy.special_populations("NOPE.NOTHING")


def test_top_level_rejects_unknown_codes():
    assert taxonomy.top_level("FIRE.BATTERY") == "FIRE"
    with pytest.raises(ValueError, match="unknown taxonomy code"):
        taxonomy.top_level("CHILD.NO_SUCH_KIND")


HEADER = "code,parent,name_zh,name_en,special_populations,basis,synonyms\n"
TOPS = "".join(f"{code},,{code}中文,{code} en,,readme,\n" for code in README_PRODUCT_TOPS)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kinds.csv"
    path.write_text(body, encoding="utf-8")
    return path


def test_unknown_parent_names_file_row_and_field(tmp_path):
    path = write(tmp_path, HEADER + TOPS + "CHILD.TOY,CHILDREN,玩具,toys,children,cn_catalogue,\n")
    with pytest.raises(ValueError, match=r"kinds\.csv: row 16: field 'parent': unknown parent code 'CHILDREN'"):
        taxonomy.load_product_kinds(path)


def test_missing_top_code_and_stray_top_level_rows_are_refused(tmp_path):
    without_agri = HEADER + "".join(line + "\n" for line in TOPS.splitlines() if not line.startswith("AGRI"))
    with pytest.raises(ValueError, match="top-level code\\(s\\) missing: AGRI"):
        taxonomy.load_product_kinds(write(tmp_path, without_agri))
    with pytest.raises(ValueError, match="row 16: field 'parent': empty, but 'GADGET'"):
        taxonomy.load_product_kinds(write(tmp_path, HEADER + TOPS + "GADGET,,小玩意,gadget,,other,\n"))


def test_bad_special_population_and_duplicate_synonym_are_refused(tmp_path):
    bad_group = HEADER + TOPS + "CHILD.TOY,CHILD,玩具,toys,teenagers,cn_catalogue,\n"
    with pytest.raises(ValueError, match="row 16: field 'special_populations': 'teenagers'"):
        taxonomy.load_product_kinds(write(tmp_path, bad_group))
    shared = HEADER + TOPS + "CHILD.TOY,CHILD,玩具,toys,,x,plush\nHOME.DECOR,HOME,饰品,decor,,x,Plush\n"
    with pytest.raises(ValueError, match="row 17: field 'synonyms': 'Plush'"):
        taxonomy.load_product_kinds(write(tmp_path, shared))


def test_bad_crosswalk_row_names_row_and_field(tmp_path):
    nodes = read_tree(taxonomy.HAZARDS_FILE, taxonomy.HAZARD_TOP_CODES, ("code", "parent", "name_zh", "name_en"))
    path = tmp_path / "crosswalk.csv"
    path.write_text("scheme,match,label,code,note\ncpsc,exact,Fall,MECHANICAL.FALLS,\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"crosswalk\.csv: row 2: field 'code': unknown taxonomy code"):
        build_index(path, nodes, precedence={})
    path.write_text("scheme,match,label,code,note\nrapex,exact,Fall,MECHANICAL.FALL,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2: field 'scheme'"):
        build_index(path, nodes, precedence={})


@pytest.mark.parametrize(
    ("scheme", "label", "top"),
    [
        ("cpsc", "Fans", "ELEC"),
        ("cpsc", "  chairs,  STOOLS & benches ", "HOME"),
        ("cpsc", "Toy Whatever New Type", "CHILD"),
        ("safety_gate", "Toys", "CHILD"),
        ("safety_gate", "Motor vehicles", "VEHI"),
        ("safety_gate", "Clothing, textiles and fashion items", "TEXT"),
        ("safety_gate", "Kitchen/cooking accessories", "FCM"),
        ("safety_gate", "Food-imitating products", "CHILD"),
        ("cn_spotcheck", "豆及豆制品-->非发酵豆制品", "FOOD"),
        ("cn_spotcheck", "机动车辆制动液", "VEHI"),
        ("lebensmittelwarnung", "Lebensmittel", "FOOD"),
        ("openfda", "Devices", "OTHER"),
        # names and synonyms of the rare classes, in zh, en and de (taxonomy keywords of any scheme)
        ("cn_spotcheck", "复合肥料", "AGRI"),
        ("cn_spotcheck", "农药", "AGRI"),
        ("cn_spotcheck", "农膜", "AGRI"),
        ("safety_gate", "Dünger", "AGRI"),
        ("cn_spotcheck", "电线电缆", "BUILD"),
        ("cn_spotcheck", "瓷砖", "BUILD"),
        ("safety_gate", "Fliesenkleber", "BUILD"),
        ("cn_spotcheck", "灭火器", "SAFETY"),
        ("cn_spotcheck", "安全帽", "SAFETY"),
        ("safety_gate", "Rauchmelder", "SAFETY"),
        ("cn_spotcheck", "牙膏", "COSM"),
        ("lebensmittelwarnung", "Kosmetik", "COSM"),
        ("cn_spotcheck", "一次性纸杯", "FCM"),
        ("openfda", "Topical Anesthetic Gel", "OTHER"),
    ],
)
def test_category_crosswalk(scheme, label, top):
    code = taxonomy.crosswalk_category(scheme, label)
    assert code is not None and taxonomy.top_level(code) == top


@pytest.mark.parametrize(
    ("scheme", "label", "top"),
    [
        ("cn_spotcheck", "甲醛含量", "CHEMICAL"),
        ("cn_spotcheck", "邻苯二甲酸酯", "CHEMICAL"),
        ("cn_spotcheck", "泄漏电流", "ELECTRIC"),
        ("cn_spotcheck", "接地措施", "ELECTRIC"),
        ("cn_spotcheck", "标识", "LABELLING"),
        ("cn_spotcheck", "使用说明", "LABELLING"),
        ("cn_spotcheck", "纤维含量", "PERFORMANCE"),
        ("cn_spotcheck", "耐摩擦色牢度", "PERFORMANCE"),
        ("cn_spotcheck", "菌落总数", "MICROBIO"),
        ("cn_spotcheck", "大肠菌群", "MICROBIO"),
        ("cn_spotcheck", "小零件", "CHOKING"),
        ("cn_spotcheck", "无线电骚扰", "EMC"),
        ("cn_spotcheck", "谐波电流", "EMC"),
        ("cn_spotcheck", "燃烧性能", "FIRE"),
        ("cn_spotcheck", "发热", "FIRE"),
        ("cn_spotcheck", "锐利边缘", "MECHANICAL"),
        ("cn_spotcheck", "运动黏度（-40℃）*", "PERFORMANCE"),
        ("cn_spotcheck", "冰点,沸点,玻璃器皿腐蚀", "PERFORMANCE"),
        ("cn_spotcheck", "ｐＨ值", "PERFORMANCE"),  # full-width letters
        ("cn_spotcheck", "黄曲霉毒素B₁", "CHEMICAL"),  # subscript digit
        ("cn_spotcheck", "恩诺沙星", "CHEMICAL"),
        # a list of failed items takes the most severe one (flash point = fire)
        ("cn_spotcheck", "闪点（闭口）*,氯含量,模拟进气阀沉积物质量", "FIRE"),
        ("cpsc", "Fire & Fire-related Burn", "FIRE"),
        ("cpsc", "Electrocution/Electric Shock", "ELECTRIC"),
        ("cpsc", "The snap can detach from the bibs, posing a choking hazard to young children.", "CHOKING"),
        ("cpsc", "The stroller handle can break while in use, posing a fall hazard to the infant.", "MECHANICAL"),
        ("safety_gate", "ELECTRIC_SHOCK", "ELECTRIC"),
        ("safety_gate", "Microbiological", "MICROBIO"),
        ("safety_gate", "Damage to hearing", "OTHER"),
        ("openfda", "Products may be contaminated with Listeria monocytogenes.", "MICROBIO"),
        ("openfda", "Undeclared Peanuts", "LABELLING"),
        ("openfda", "Foreign material (small hard plastic fragments)", "MECHANICAL"),
        ("openfda", "Possible Salmonella Health Risk", "MICROBIO"),
        ("lebensmittelwarnung", "Nachweis von Salmonellen", "MICROBIO"),
        ("lebensmittelwarnung", "Fremdkörper aus Hartplastik", "MECHANICAL"),
        ("lebensmittelwarnung", "Es kann nicht ausgeschlossen werden, dass Noroviren enthalten sind.", "MICROBIO"),
        ("lebensmittelwarnung", "erhöhter THC-Gehalt", "CHEMICAL"),
        ("lebensmittelwarnung", "Erstickungsgefahr aufgrund der Zusatzstoffe", "CHOKING"),
        # adding synonyms must not let a long generic word outrank the hazard a recall names
        ("cpsc", "Recalled Due to Risk of Serious Injury or Death from Battery Ingestion", "CHOKING"),
        ("cpsc", "The component can malfunction, overheat and cause a fire.", "FIRE"),
    ],
)
def test_hazard_crosswalk(scheme, label, top):
    code = taxonomy.crosswalk_hazard(scheme, label)
    assert code is not None and taxonomy.top_level(code) == top, code


def test_rare_and_catalogue_kinds_have_synonyms_in_several_languages():
    """Every second-level kind is reachable by more than its name; the rare classes in zh, en and de."""
    kinds = taxonomy.load_product_kinds()
    second = kinds[(kinds["level"] == 1) & (kinds["code"] != "OTHER.UNSPECIFIED")]  # the catch-all has no vocabulary
    thin = second.loc[second["synonyms"].map(len) < 4, "code"].tolist()
    assert thin == [], f"kinds with fewer than 4 synonyms: {thin}"
    german = {
        "AGRI.FERTILISER": "Dünger",
        "BUILD.PAINT": "Wandfarbe",
        "SAFETY.EXTINGUISHER": "Feuerlöscher",
        "SAFETY.ALARM": "Rauchmelder",
        "COSM.ORAL": "Zahnpasta",
        "FCM.TABLEWARE": "Geschirr",
    }
    for code, german_term in german.items():
        terms = set(kinds.loc[kinds["code"] == code, "synonyms"].iloc[0])
        assert german_term in terms and any(contains_cjk(t) for t in terms) and any(t.isascii() for t in terms), code


def test_crosswalk_edge_cases():
    assert taxonomy.crosswalk_hazard("cpsc", "") is None
    assert taxonomy.crosswalk_hazard("cn_complaint", "发货时效慢") is None  # a service complaint is no hazard
    assert taxonomy.crosswalk_category("cpsc", "CHILD.TOY") == "CHILD.TOY"  # codes map to themselves
    with pytest.raises(ValueError, match="unknown crosswalk scheme"):
        taxonomy.crosswalk_category("rapex", "Toys")
    assert taxonomy.most_severe_hazard(["PERFORMANCE.PURITY", None, "FIRE.FLASH_POINT"]) == "FIRE.FLASH_POINT"
