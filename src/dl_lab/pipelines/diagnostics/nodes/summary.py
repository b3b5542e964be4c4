"""Node: every training run of the pipeline with its fit diagnosis, in one table."""

from __future__ import annotations

import pandas as pd


def summarize_fit_diagnoses(**tables: pd.DataFrame) -> pd.DataFrame:
    """``experiment``, ``run`` and ``fit_diagnosis`` for each table that has the column."""
    rows = []
    for experiment, table in tables.items():
        if "fit_diagnosis" not in table:
            continue
        keys = [c for c in ("run", "variant", "optimizer", "lr", "schedule", "activation", "loss")
                if c in table]  # fmt: skip
        for _, row in table.iterrows():
            name = " ".join(f"{row[k]}" for k in keys) if keys else str(row.name)
            rows.append(
                {"experiment": experiment, "run": name, "fit_diagnosis": row["fit_diagnosis"]}
            )
    return pd.DataFrame(rows)
