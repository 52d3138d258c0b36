"""Raw documents → risk information (5.2.1): one mapper per source, one loader for all.

A mapper turns one raw document body into a :class:`MappedRecord` — the risk-information row
plus its list-valued parts (products, parties, facts, identifiers), so nested arrays are kept
rather than flattened away. :mod:`.load` applies mappers incrementally and idempotently.
"""
