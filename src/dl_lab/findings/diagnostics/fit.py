"""Claims on reading learning curves (1.9, 1.17) and early stopping (1.16)."""

from __future__ import annotations

import pandas as pd

from dl_lab.course.rules import combine, direction, holds, within
from dl_lab.evaluation.fit import recommend_complexity
from dl_lab.findings.diagnostics.context import Context, Row, by_number, figure, table

REGIMES = {"1.17-overfit": "overfitting", "1.17-underfit": "underfitting", "1.17-good": "good_fit"}
ADVICE = {"overfitting": "decrease", "underfitting": "increase", "good_fit": "keep"}
STOPPING = [table("early_stopping"), figure("early_stopping")]
CAPACITY = [table("capacity"), figure("capacity")]


def _scripted(c: Context) -> pd.DataFrame:
    """Our rule and Lightning's callback on the course's sequence (not the real run)."""
    stopping = c["early_stopping"]
    return stopping[~stopping["source"].astype(str).str.startswith("real run")]


def best_epoch(c: Context) -> Row:
    expected = c.value("1.16-best-epoch")
    rows = list(_scripted(c).itertuples())
    verdict = combine(
        [
            within(r.best_epoch, expected, c.tol.epochs, f"{r.source}: best epoch", exact=True)
            for r in rows
        ]
    )
    measured = "; ".join(f"{r.source}: best epoch {r.best_epoch}" for r in rows)
    return c.answer("1.16-best-epoch", measured, verdict, STOPPING)


def stop_epoch(c: Context) -> Row:
    stop, best = c.value("1.16-stop-epoch"), c.value("1.16-best-epoch")
    rows = list(_scripted(c).itertuples())
    verdict = combine(
        [within(r.stop_epoch, stop, c.tol.epochs, f"{r.source}: last epoch", exact=True)
           for r in rows]
        + [within(r.restored_weights_epoch, best, c.tol.epochs, f"{r.source}: restored epoch",
                  exact=True) for r in rows]
    )  # fmt: skip
    measured = "; ".join(
        f"{r.source}: stops after epoch {r.stop_epoch}, restores epoch {r.restored_weights_epoch}"
        for r in rows
    )
    return c.answer("1.16-stop-epoch", measured, verdict, STOPPING)


def _regime(c: Context, claim_id: str) -> Row:
    """A regime is read right from a synthetic curve, the real run built to show it, and
    the course's own example numbers (run through ``recommend_complexity``)."""
    regime = REGIMES[claim_id]
    synthetic = c["fit_synthetic"]
    tracked = c["fit_tracked"]
    cases, parts = [], []
    for row in synthetic[synthetic["expected"] == regime].itertuples():
        cases.append(row.fit_diagnosis == regime)
        parts.append(f"synthetic {row.curve} curve: {row.fit_diagnosis}")
    runs = [run for run, shown in c.cases.tracked_regimes.items() if shown == regime]
    real = tracked[tracked["run"].isin(runs)]
    for row in real.itertuples():
        cases.append(row.fit_diagnosis == regime)
        parts.append(
            f"real run {row.run} (train acc {row.final_train_acc:.2f}, val acc "
            f"{row.final_val_acc:.2f}, val loss {row.val_loss_rise:+.0%} after its minimum): "
            f"{row.fit_diagnosis}"
        )
    example = c.value(claim_id)
    advice = recommend_complexity(example["train"] / 100, example["val"] / 100, c.fit_thresholds)
    cases.append(advice == ADVICE[regime])
    parts.append(f"the course's {example['train']}% vs {example['val']}%: {advice} capacity")
    verdict = holds(cases, f"read as {regime}")
    evidence = [figure("fit_synthetic"), table("fit_synthetic"), figure("fit_tracked"),
                table("fit_tracked")]  # fmt: skip
    return c.answer(claim_id, "; ".join(parts), verdict, evidence, list(real["run_id"]))


def overfit(c: Context) -> Row:
    return _regime(c, "1.17-overfit")


def underfit(c: Context) -> Row:
    return _regime(c, "1.17-underfit")


def good(c: Context) -> Row:
    return _regime(c, "1.17-good")


def _steps(c: Context, advice: str) -> list[tuple[str, pd.Series, pd.Series]]:
    """(sweep, variant with ``advice``, its neighbour the advice points to) in each sweep."""
    step = 1 if advice == "increase" else -1
    pairs = []
    for sweep, part in c["capacity"].groupby("sweep", sort=False):
        ordered = by_number(part).reset_index(drop=True)
        for i, row in ordered.iterrows():
            j = i + step
            if row["advice"] == advice and 0 <= j < len(ordered):
                pairs.append((str(sweep), row, ordered.iloc[j]))
    return pairs


def _complexity_advice(c: Context, claim_id: str, advice: str) -> Row | None:
    """Following ``recommend_complexity``'s advice one step along a sweep raises val accuracy."""
    pairs = _steps(c, advice)
    if not pairs:
        return None
    verdicts = [
        direction(row["val_acc"], after["val_acc"], "a<b", c.tol.accuracy,
                  (f"{sweep} {row['variant']} val acc", f"{after['variant']}"))
        for sweep, row, after in pairs
    ]  # fmt: skip
    measured = "; ".join(
        f"{sweep}: {row['variant']} (train {row['train_acc']:.3f}, val {row['val_acc']:.3f}, "
        f"advice {advice}) -> {after['variant']} val {after['val_acc']:.3f}"
        for sweep, row, after in pairs
    )
    return c.answer(claim_id, measured, combine(verdicts), CAPACITY)


def underfit_increase(c: Context) -> Row | None:
    return _complexity_advice(c, "1.9-underfit-increase", "increase")


def overfit_decrease(c: Context) -> Row | None:
    return _complexity_advice(c, "1.9-overfit-decrease", "decrease")


def example(c: Context) -> Row:
    numbers = c.value("1.9-example")
    train, val = numbers["train"] / 100, numbers["val"] / 100
    advice = recommend_complexity(train, val, c.fit_thresholds)
    measured = (
        f"recommend_complexity({train:.2f}, {val:.2f}) = {advice} (gap {train - val:.2f} vs "
        f"the overfitting gap {c.fit_thresholds.overfit_gap:g})"
    )
    verdict = holds([advice == ADVICE["overfitting"]], "98% vs 80% read as overfitting")
    return c.answer("1.9-example", measured, verdict, CAPACITY)


CHECKS = [best_epoch, stop_epoch, overfit, underfit, good, underfit_increase, overfit_decrease,
          example]  # fmt: skip
