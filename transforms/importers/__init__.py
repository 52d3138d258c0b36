"""File importers (5.2.2): data that arrives as files — 12315 complaint exports, platform
hand-overs — lands as raw documents exactly like crawled records, one per row.

One module per importer, each defining a :class:`transforms.importers.base.FileImporter`
subclass; :func:`transforms.importers.base.discover_importers` finds them. Files are picked up
from ``<data_dir>/inbox/<importer name>/`` by ``collect_risk_information``.
"""
