"""Entity resolution: reports of one event from several sources become one cluster (5.2.1, 5.2.2).

Public API: :func:`cluster_records` (pandas), :func:`dedup_command` and :func:`evaluate_command` (CLI).
"""

from transforms.dedup.cli import dedup_command, evaluate_command
from transforms.dedup.matcher import DEFAULT_THRESHOLD, cluster_records

__all__ = ["DEFAULT_THRESHOLD", "cluster_records", "dedup_command", "evaluate_command"]
