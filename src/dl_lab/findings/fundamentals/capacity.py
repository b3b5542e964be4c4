"""Weight penalties and activity sparsity (2.12, 2.15), Hebb vs delta rule (2.19), depth (2.20).

Random (one seed cannot decide): networks trained from a random init on sampled data (the
penalties, the sparsity terms, the trained depths) and associators on random patterns;
their tables hold one run per variant, except the depth runs, whose per-seed values go to
the rule. Exact (``exact=True``): the parameter counts and errors of the exact sawtooth
constructions, which no seed enters.
"""

from __future__ import annotations

import pandas as pd

from dl_lab.course.questions import Course
from dl_lab.course.rules import combine, describe, direction, within
from dl_lab.findings.fundamentals.answers import Answer, Tables, number, plot, table
from dl_lab.findings.fundamentals.config import FindingsParams

PENALTIES = (table("weight_penalties"), plot("weight_penalties"))
BEST_LAMBDAS = (1e-3, 1e-2)  # 2.12: the course's best range of lambda
COURSE_PENALTIES = ("l2", "elastic_net")  # 2.12's table: L2 and L1+L2
HEBB_EXACT = "orthogonal"  # the one pattern set where the Hebb rule is exact by construction


def capacity_answers(tables: Tables, params: FindingsParams, course: Course) -> list[Answer | None]:
    """What penalties, sparsity terms, learning rules and depth change in the measurements."""
    return [
        _best_lambda(tables.weight_penalties, params.accuracy_margin),
        _regularization_trade(tables.weight_penalties, params.accuracy_margin),
        _sparser(tables.activity_sparsity, params.activity_margin),
        _hebb_vs_delta(tables.hebbian, params.bit_error_margin),
        _depth(tables, params),
        _exact_sizes(tables.depth_exact, params.round_off),
    ]


def _accuracies(row: pd.Series) -> str:
    return f"{row['variant']} {row['train_acc']:.3f}/{row['val_acc']:.3f}"


def _best_lambda(penalties: pd.DataFrame, margin: float) -> Answer | None:
    """2.12: L2 with lambda in the course's best range beats no penalty on validation."""
    none = penalties[penalties["name"] == "none"]
    low, high = BEST_LAMBDAS
    in_range = penalties[(penalties["name"] == "l2") & penalties["lam"].between(low, high)]
    if none.empty or in_range.empty:
        return None
    base = float(none["val_acc"].iloc[0])
    checks = [
        direction(base, float(r["val_acc"]), "a<b", margin, names=("none's val acc", r["variant"]))
        for _, r in in_range.iterrows()
    ]
    swept = ", ".join(f"{lam:g}" for lam in sorted(penalties.loc[penalties["name"] == "l2", "lam"]))
    text = (
        f"val acc: none {base:.3f}; "
        + "; ".join(f"{r['variant']} {r['val_acc']:.3f}" for _, r in in_range.iterrows())
        + f" (only the 1e-3 to 1e-2 part is tested; L2 lambdas swept: {swept})"
    )
    return Answer("2.12-lambda", text, combine(checks), PENALTIES)


def _regularization_trade(penalties: pd.DataFrame, margin: float) -> Answer | None:
    """2.12 (illustrative table): L2 and L1+L2 narrow the train-validation gap of no penalty."""
    none = penalties[penalties["name"] == "none"]
    penalized = penalties[penalties["name"].isin(COURSE_PENALTIES)]
    if none.empty or penalized.empty:
        return None
    gap = float(none["train_val_gap"].iloc[0])
    checks = [
        direction(
            float(r["train_val_gap"]), gap, "a<b", margin, names=(f"{r['variant']} gap", "none's")
        )
        for _, r in penalized.iterrows()
    ]
    rows = [none.iloc[0], *(r for _, r in penalized.iterrows())]
    text = "train/val accuracy: " + "; ".join(_accuracies(r) for r in rows)
    return Answer("2.12-table", text, combine(checks), PENALTIES)


def _sparser(sparsity: pd.DataFrame, margin: float) -> Answer | None:
    """2.15: an activity penalty lowers the mean activation and the share of active units."""
    none = sparsity[sparsity["name"] == "none"]
    penalized = sparsity[sparsity["name"] != "none"]
    if none.empty or penalized.empty:
        return None
    base = none.iloc[0]
    checks = [
        direction(
            float(r[column]),
            float(base[column]),
            "a<b",
            margin,
            names=(f"{r['variant']} {column}", "none's"),
        )
        for _, r in penalized.iterrows()
        for column in ("mean_activation", "frac_active")
    ]
    text = "; ".join(
        f"{r['variant']}: mean activation {r['mean_activation']:.3f}, active {r['frac_active']:.3f}"
        for _, r in sparsity.iterrows()
    )
    evidence = (table("activity_sparsity"), plot("activity_sparsity"))
    return Answer("2.15-sparser", text, combine(checks), evidence)


def _hebb_vs_delta(hebbian: pd.DataFrame, margin: float) -> Answer | None:
    """2.19: at the middle pattern count the delta rule recalls every bit, the Hebb rule not."""
    counts = sorted(hebbian["n_pairs"].unique())
    middle = counts[len(counts) // 2]  # the count the figure's curves show
    rows = hebbian[(hebbian["n_pairs"] == middle) & (hebbian["patterns"] != HEBB_EXACT)]
    errors = rows.pivot(index="patterns", columns="rule", values="bit_error_rate")
    if errors.empty:
        return None
    checks = [
        check
        for patterns, rates in errors.iterrows()
        for check in (
            within(float(rates["delta_rule"]), 0.0, margin, what=f"delta rule BER, {patterns}"),
            direction(
                float(rates["delta_rule"]),
                float(rates["hebbian"]),
                "a<b",
                margin,
                names=(f"delta rule BER, {patterns}", "Hebb's"),
            ),
        )
    ]
    text = f"bit error rate with {middle} stored pairs: " + "; ".join(
        f"{patterns}: delta rule {rates['delta_rule']:.3f}, Hebb {rates['hebbian']:.3f}"
        for patterns, rates in errors.iterrows()
    )
    return Answer("2.19-hebb-vs-gd", text, combine(checks), (table("hebbian"), plot("hebbian")))


def _depth(tables: Tables, params: FindingsParams) -> Answer | None:
    """2.20: deep vs shallow at matched budgets, trained (paired by seed) and exact."""
    runs = tables.depth_runs
    shallow = runs[runs["kind"] == "shallow"].set_index(["budget", "seed_index"])["test_mse"]
    checks, parts = [], []
    for (kind, budget), deep in runs[runs["kind"] != "shallow"].groupby(["kind", "budget"]):
        paired = deep.set_index(["budget", "seed_index"])["test_mse"].to_frame("deep")
        paired = paired.join(shallow.rename("shallow"), how="inner")
        if paired.empty:
            continue
        checks.append(
            direction(
                paired["deep"].to_list(),
                paired["shallow"].to_list(),
                "a<b",
                params.mse_margin,
                names=(f"{kind} test MSE at budget {budget}", "shallow's"),
            )
        )
        parts.append(
            f"budget {budget}: {kind} {describe(paired['deep'])} vs shallow "
            f"{describe(paired['shallow'])}"
        )
    exact = tables.depth.set_index("kind")
    if {"deep_exact", "shallow_exact"} <= set(exact.index):
        deep_n, shallow_n = (int(exact.loc[k, "n_params"]) for k in ("deep_exact", "shallow_exact"))
        checks.append(
            direction(
                deep_n, shallow_n, "a<b", names=("exact deep params", "shallow's"), exact=True
            )
        )
        parts.append(f"exact fits: deep {deep_n} vs shallow {shallow_n} parameters")
    if not checks:
        return None
    evidence = (table("depth"), table("depth_runs"), plot("depth"))
    return Answer("2.20-depth", "test MSE, " + "; ".join(parts), combine(checks), evidence)


def _exact_sizes(exact: pd.DataFrame, round_off: float) -> Answer | None:
    """2.20 (illustrative): the exact sawtooth fits' sizes at the most pieces tabulated."""
    if exact.empty:
        return None
    top = exact.sort_values("k").iloc[-1]
    error = max(float(top["deep_max_error"]), float(top["shallow_max_error"]))
    verdict = combine(
        [
            direction(
                int(top["deep_params"]),
                int(top["shallow_params"]),
                "a<b",
                names=("deep params", "shallow params"),
                exact=True,
            ),
            within(error, 0.0, round_off, what="max error of the exact fits", exact=True),
        ]
    )
    text = (
        f"sawtooth with {int(top['linear_pieces'])} pieces (k={int(top['k'])}): deep "
        f"{int(top['deep_params'])} vs shallow {int(top['shallow_params'])} parameters, "
        f"max error {number(error)}"
    )
    return Answer("2.20-example", text, verdict, (table("depth_exact"),))
