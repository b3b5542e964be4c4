"""Node: every training run of the pipeline with its fit diagnosis, in one table."""

from __future__ import annotations

import pandas as pd


def summarize_fit_diagnoses(**tables: pd.DataFrame) -> pd.DataFrame:
    """``experiment``, ``run``, ``seed`` (where the table has seeds) and ``fit_diagnosis``
    for each table that has the column."""
    rows = []
    for experiment, table in tables.items():
        if "fit_diagnosis" not in table:
            continue
        keys = [c for c in ("run", "variant", "optimizer", "lr", "schedule", "activation", "loss")
                if c in table]  # fmt: skip
        for _, row in table.iterrows():
            name = " ".join(f"{row[k]}" for k in keys) if keys else str(row.name)
            seed = {"seed": row["seed"]} if "seed" in table else {}
            rows.append({"experiment": experiment, "run": name, **seed,
                         "fit_diagnosis": row["fit_diagnosis"]})  # fmt: skip
    return pd.DataFrame(rows)
