"""ecmon: online monitoring of e-commerce product quality (电子商务交易产品质量网上监测规范).

Shared pieces used by every layer: settings (:mod:`ecmon.settings`), warehouse engine
helpers (:mod:`ecmon.db`) and the ``ecmon`` command line (:mod:`ecmon.cli`).
"""

__version__ = "0.1.0"
