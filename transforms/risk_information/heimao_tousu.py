"""黑猫投诉 complaint (``lists[]`` element of the tousu.sina.com.cn API) → risk information (5.2.2 a).

Field mapping (sources.md §1):

=====================  ==========================================================================
``main.sn``            record key
``main.title``         ``title`` (search highlighting such as ``<span class="code-red">`` removed)
``main.summary``       ``description`` (the site truncates it on list pages)
``main.cotitle``       ``shop`` and a ``complainee`` party (with ``main.couid`` as company id)
platform               the e-commerce platform named in ``cotitle`` (天猫超市官方客服 → 天猫), else the
                       first one named in the title or summary (在抖音平台购买 → 抖音), else None
``main.timestamp``     ``published_date``: unix seconds read in Beijing time (UTC+8), the site's clock
``main.url``           ``source_url``: ``https:`` added, the ``?sld=`` tracking parameter dropped
product words          ``product_name`` and one ``stg_risk_product`` row: see :func:`product_phrase`
``main.appeal``        attributes ``appeal`` (诉求, e.g. "退款,赔偿") and one ``appeal`` fact per demand
``main.issue``         attributes ``issue`` (投诉问题) and one ``issue`` fact per problem
``main.cost``          attributes ``cost`` (涉诉金额, yuan, as served)
``main.status``        attributes ``status`` and ``status_label`` (1 通过审核, 3 待分配, 4 处理中, 6 已回复,
                       7 已完成, 8 已关闭 — the mapping public crawlers use)
=====================  ==========================================================================

The user's nickname and Weibo link (``author``) are personal data and are not copied out of the raw
document. Complaints give no product category or hazard code: both stay None for the classifier (5.3).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from transforms.normalise import retailer_names
from transforms.risk_information.mapping import MappedRecord, MappingError, clean_text, risk_info_id

SOURCE = "heimao_tousu"
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
STATUS_LABELS = {1: "通过审核", 3: "待分配", 4: "处理中", 6: "已回复", 7: "已完成", 8: "已关闭"}
HTML_TAG = re.compile(r"<[^>]+>")
COMPLAINT_NUMBER_IN_URL = re.compile(r"/complaint/view/(\d+)")
LIST_SEPARATORS = re.compile(r"[,，、;；]")

# -- product words -------------------------------------------------------------------------------
# Complaints name the product in prose: "在京东超市购买的帮宝适一级帮拉拉裤3XL，…", "买了三单帮宝适拉拉裤xxl码",
# "商品“帮宝适一级帮尿不湿”显示原价…". The rule is deliberately simple (a classifier refines it later, 5.3):
#   1. a quoted name right after 商品/产品 (商品“…”);
#   2. else the words after the first 购买/买/下单 (with 了/的/到/过), up to punctuation or a space, minus a leading
#      or trailing quantity (三单, 56包, 2箱), cut before words that start a new clause (发现, 使用, 收到, 金额 …),
#      and neither a place of purchase (… 平台, … 店, … 超市) nor starting with a digit (order chatter);
#   3. tried on the summary first, then on the title.
PUNCTUATION = "，。,.;；!！?？:：、()（）【】\\[\\]“”\"'‘’《》<>"
QUOTED_AFTER_PRODUCT = re.compile(r"(?:商品|产品)\s*[“\"「『《]([^”\"」』》]{2,40})[”\"」』》]")
AFTER_PURCHASE = re.compile(rf"(?:购买|买|下单)(?:了|的|到|过)*\s*([^{PUNCTUATION}\s]{{2,60}})")
UNITS = "包|箱|件|个|盒|瓶|罐|袋|台|支|双|条|套|单|订单|片|桶|提|份|张|只|块"
QUANTITY = rf"(?:\d+|[一二两三四五六七八九十百几数多]+)\s*(?:个)?(?:{UNITS})(?:的)?"
LEADING_QUANTITY = re.compile(rf"^{QUANTITY}")
TRAILING_QUANTITY = re.compile(rf"{QUANTITY}$")
CLAUSE_STARTS = re.compile(
    r"发现|使用|收到|到货|拆开|拆封|打开|出现|之后|以后|时候|金额|共计|一共|总价|价格|单号|订单号|赠品|"
    r"但是|但|却|结果|没有|不能|无法|有问题|有明显|里面|里有|质量|导致|造成|在|于"
)
NOT_A_PRODUCT = re.compile(r"^(?:东西|商品|产品|货|会员|服务)$|(?:平台|店|店铺|超市|商城|网)$")


def product_phrase(*texts: str | None) -> str | None:
    """Best-effort product words of a complaint (see the rule above); None when nothing fits."""
    for text in texts:
        if not text:
            continue
        quoted = QUOTED_AFTER_PRODUCT.search(text)
        if quoted:
            return quoted.group(1).strip()
    for text in texts:
        for match in AFTER_PURCHASE.finditer(text or ""):
            phrase = _trim_phrase(match.group(1))
            if phrase:
                return phrase
    return None


def _trim_phrase(phrase: str) -> str | None:
    phrase = LEADING_QUANTITY.sub("", phrase)
    cut = CLAUSE_STARTS.search(phrase)
    if cut:
        phrase = phrase[: cut.start()]
    phrase = TRAILING_QUANTITY.sub("", phrase).strip("的了")
    if len(phrase) < 2 or NOT_A_PRODUCT.search(phrase) or phrase[0].isdigit():
        return None
    return phrase


# -- mapping -------------------------------------------------------------------------------------


def strip_html(value: Any) -> str | None:
    text = clean_text(value)
    return clean_text(HTML_TAG.sub("", text)) if text else None


def split_list(value: Any) -> list[str]:
    text = strip_html(value)
    return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()] if text else []


def published_date(value: Any, record: str) -> dt.date | None:
    text = clean_text(value)
    if text is None:
        return None
    try:
        return dt.datetime.fromtimestamp(int(text), BEIJING).date()
    except (ValueError, OverflowError, OSError) as exc:
        raise MappingError(f"{record}: field main.timestamp: not unix seconds: {text!r}") from exc


def platform_named(*texts: str | None) -> str | None:
    for text in texts:
        names = [name for name in retailer_names(text) if not name.islower()]  # bare domains are not platforms
        if names:
            return names[0]
    return None


def map_complaint(item: dict[str, Any]) -> MappedRecord:
    main = item.get("main")
    if not isinstance(main, dict):
        raise MappingError("heimao complaint: field main: expected an object")
    record_key = clean_text(main.get("sn"))
    if record_key is None:
        match = COMPLAINT_NUMBER_IN_URL.search(str(main.get("url") or ""))
        record_key = match.group(1) if match else None
    if record_key is None:
        raise MappingError("heimao complaint without main.sn: field main.sn is missing")
    record = f"heimao_tousu sn {record_key}"
    rid = risk_info_id(SOURCE, record_key)

    title = strip_html(main.get("title"))
    summary = strip_html(main.get("summary"))
    complainee = strip_html(main.get("cotitle"))
    company_id = clean_text(main.get("couid"))
    product = product_phrase(summary, title)
    appeals = split_list(main.get("appeal"))
    issues = split_list(main.get("issue"))
    status = main.get("status")
    try:
        status_code = int(status) if status not in (None, "") else None
    except (TypeError, ValueError) as exc:
        raise MappingError(f"{record}: field main.status: not an integer: {status!r}") from exc

    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "a",
        "record_key": record_key,
        "info_type": "complaint",
        "title": title,
        "product_name": product,
        "description": summary,
        "shop": complainee[:300] if complainee else None,
        "platform": platform_named(complainee, title, summary),
        "published_date": published_date(main.get("timestamp"), record),
        "source_url": f"https://tousu.sina.com.cn/complaint/view/{record_key}/",
        "attributes": {
            "appeal": strip_html(main.get("appeal")),
            "issue": strip_html(main.get("issue")),
            "cost": clean_text(main.get("cost")),
            "status": status_code,
            "status_label": STATUS_LABELS.get(status_code) if status_code is not None else None,
            "couid": company_id,
            "timestamp": clean_text(main.get("timestamp")),
            "product_name_basis": "complaint text" if product else None,
            "evaluation": main.get("evaluate_u") if isinstance(main.get("evaluate_u"), dict) else None,
        },
    }
    parties = (
        [
            {
                "risk_info_id": rid,
                "role": "complainee",
                "seq": 0,
                "name": complainee,
                "company_id": company_id,
                "country_code": None,
            }
        ]
        if complainee
        else []
    )
    products = (
        [
            {
                "risk_info_id": rid,
                "seq": 0,
                "name": product,
                "model": None,
                "product_type": None,
                "units": None,
                "description": None,
            }
        ]
        if product
        else []
    )
    facts = [{"risk_info_id": rid, "kind": "appeal", "seq": i, "text": a, "url": None} for i, a in enumerate(appeals)]
    facts += [{"risk_info_id": rid, "kind": "issue", "seq": i, "text": s, "url": None} for i, s in enumerate(issues)]
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    try:
        item = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(item, dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected a JSON object")
    try:
        return map_complaint(item)
    except MappingError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: {exc}") from exc
