"""Data-quality gates (5.2.1): Great Expectations suites as code and the gate that applies them.

- ``suites/`` — one module per guarded table (``raw_source`` freshness, ``raw_document``,
  ``stg_risk_information``), each a list of GX 1.x expectations plus the derived checks they read;
- ``gate`` — :func:`~transforms.quality.gate.run_gate` / :func:`~transforms.quality.gate.run_quality_gates`:
  validate, write failing rows to ``stg_quarantine``, build Data Docs, raise ``QualityGateFailed`` when
  more than the configured share fails;
- ``config`` — thresholds from ``config/quality.yaml``.

Nothing here imports Great Expectations at module level (it costs seconds); the gate imports it when run.
"""
