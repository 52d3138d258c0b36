"""Pure normalisers for collected risk information (电子商务交易产品质量网上监测规范 5.2.1).

Each module is small and has no side effects: dates, Chinese divisions (GB/T 2260), countries (ISO 3166-1),
firm names and retailer strings, GTINs and model numbers.
"""

from transforms.normalise.countries import country_code, country_codes
from transforms.normalise.dates import parse_date
from transforms.normalise.firms import FirmName, firm_key, normalise_firm
from transforms.normalise.gtin import is_valid_gtin, normalise_gtin, split_gtins
from transforms.normalise.models import clean_model, extract_models, split_models
from transforms.normalise.regions import region_code, region_name
from transforms.normalise.retailers import retailer_names
from transforms.normalise.text import clean_text

__all__ = [
    "FirmName",
    "clean_model",
    "clean_text",
    "country_code",
    "country_codes",
    "extract_models",
    "firm_key",
    "is_valid_gtin",
    "normalise_firm",
    "normalise_gtin",
    "parse_date",
    "region_code",
    "region_name",
    "retailer_names",
    "split_gtins",
    "split_models",
]
