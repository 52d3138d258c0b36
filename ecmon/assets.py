"""Airflow Assets that chain the DAGs (architecture: risk information → analysis → plan …).

Kept outside ``dags/`` so every DAG file and test imports the same objects.
"""

from __future__ import annotations

from airflow.sdk import Asset

RISK_INFORMATION = Asset(name="risk_information", uri="ecmon://warehouse/stg_risk_information")
ANALYSIS_RESULTS = Asset(name="analysis_results", uri="ecmon://warehouse/mart_analysis_result")
