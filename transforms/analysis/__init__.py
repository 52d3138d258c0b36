"""Information analysis (5.3): analysis results (5.3.1) and their disposition (5.3.2).

- ``signals`` — risk information of one period read as deduplicated signals, minus quarantined rows;
- ``results`` — :func:`~transforms.analysis.results.analyse_risk_information`: one result per product kind ×
  hazard item × scope with hazard degree, trend and rationale, upserted into ``mart_analysis_result``;
- ``notify`` — :func:`~transforms.analysis.notify.write_notifications`: CSV per recipient for 5.3.2 b;
- ``rules`` — the rules of ``config/disposition_rules.yaml``, validated on load.
"""
