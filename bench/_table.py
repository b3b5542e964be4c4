"""The Markdown table the benches print for BENCHMARKS.md (imported by the bench scripts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def print_markdown(rows: Sequence[Mapping[str, Any]]) -> None:
    """``rows`` (dicts with the same keys) as a Markdown table; floats to three decimals."""
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + " --- |" * len(columns))
    for row in rows:
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()]
        print("| " + " | ".join(cells) + " |")
