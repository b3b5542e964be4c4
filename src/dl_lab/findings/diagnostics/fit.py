"""Claims on reading learning curves (1.9, 1.17) and early stopping (1.16)."""

from __future__ import annotations

import pandas as pd

from dl_lab.course.rules import combine, holds, holds_on_seeds, within
from dl_lab.evaluation.fit import recommend_complexity
from dl_lab.findings.diagnostics.context import (
    Context,
    Row,
    by_number,
    by_seed,
    compare,
    figure,
    improving,
    ms,
    settled,
    table,
    values,
)

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
    """A regime is read right from a synthetic curve and from the real run built to show it,
    on every seed (their noise and training are random: ``holds_on_seeds``), and from the
    course's own example numbers (run through ``recommend_complexity``: exact)."""
    regime = REGIMES[claim_id]
    synthetic = c["fit_synthetic"]
    tracked = c["fit_tracked"]
    cases, parts = {}, []
    for curve, rows in synthetic[synthetic["expected"] == regime].groupby("curve", sort=False):
        labels = [part["fit_diagnosis"].iloc[0] for _, part in by_seed(rows)]
        cases[f"synthetic {curve} curve"] = [label == regime for label in labels]
        parts.append(f"synthetic {curve} curve: {_labels(labels)}")
    runs = [run for run, shown in c.cases.tracked_regimes.items() if shown == regime]
    real = tracked[tracked["run"].isin(runs)]
    for run, rows in real.groupby("run", sort=False):
        labels = [part["fit_diagnosis"].iloc[0] for _, part in by_seed(rows)]
        cases[f"real run {run}"] = [label == regime for label in labels]
        parts.append(
            f"real run {run} (train acc {ms(values(rows, 'final_train_acc'))}, val acc "
            f"{ms(values(rows, 'final_val_acc'))}, val loss "
            f"{ms(values(rows, 'val_loss_rise'))} above its minimum): {_labels(labels)}"
        )
    example = c.value(claim_id)
    advice = recommend_complexity(example["train"] / 100, example["val"] / 100, c.fit_thresholds)
    parts.append(f"the course's {example['train']}% vs {example['val']}%: {advice} capacity")
    verdicts = [holds([advice == ADVICE[regime]], f"the course's example read as {regime}")]
    if cases:
        verdicts.insert(0, holds_on_seeds(cases, f"read as {regime}"))
    evidence = [figure("fit_synthetic"), table("fit_synthetic"), figure("fit_tracked"),
                table("fit_tracked")]  # fmt: skip
    return c.answer(claim_id, "; ".join(parts), combine(verdicts), evidence, list(real["run_id"]))


def _labels(labels: list[str]) -> str:
    """``overfitting on 3 of 3 seeds`` or ``overfitting, overfitting, good_fit``."""
    if len(set(labels)) == 1:
        return f"{labels[0]} on {len(labels)} of {len(labels)} seeds"
    return ", ".join(labels) + " (by seed)"


def overfit(c: Context) -> Row:
    return _regime(c, "1.17-overfit")


def underfit(c: Context) -> Row:
    return _regime(c, "1.17-underfit")


def good(c: Context) -> Row:
    return _regime(c, "1.17-good")


def _advice(rows: pd.DataFrame) -> str:
    """The advice ``recommend_complexity`` gave a variant on most of its seeds."""
    return str(rows["advice"].mode().iloc[0])


def _steps(c: Context, advice: str) -> list[tuple[str, str, str]]:
    """(sweep, variant given ``advice`` on most seeds, its neighbour the advice points to)."""
    step = 1 if advice == "increase" else -1
    pairs = []
    for sweep, part in c["capacity"].groupby("sweep", sort=False):
        names = list(dict.fromkeys(by_number(part)["variant"]))
        for i, name in enumerate(names):
            j = i + step
            if _advice(part[part["variant"] == name]) == advice and 0 <= j < len(names):
                pairs.append((str(sweep), name, names[j]))
    return pairs


def _complexity_advice(c: Context, claim_id: str, advice: str) -> Row | None:
    """Following ``recommend_complexity``'s advice one step along a sweep raises val
    accuracy (paired by seed); unsettled where either run was still improving."""
    pairs = _steps(c, advice)
    if not pairs:
        return None
    capacity = c["capacity"]
    verdicts, parts = [], []
    for sweep, name, after in pairs:
        rows = capacity[(capacity["sweep"] == sweep) & (capacity["variant"] == name)]
        before_acc = values(capacity, "val_acc", sweep=sweep, variant=name)
        after_acc = values(capacity, "val_acc", sweep=sweep, variant=after)
        verdict = compare(before_acc, after_acc, "a<b", c.tol.accuracy,
                            (f"{sweep} {name} val acc", after))  # fmt: skip
        verdicts.append(settled(verdict, [improving(capacity, f"{sweep} {v}", sweep=sweep, variant=v)
                                          for v in (name, after)]))  # fmt: skip
        share = int((rows["advice"] == advice).sum())
        parts.append(
            f"{sweep}: {name} (train {ms(values(rows, 'train_acc'))}, val {ms(before_acc)}, "
            f"advice {advice} on {share} of {len(rows)} seeds) -> {after} val {ms(after_acc)}"
        )
    return c.answer(claim_id, "; ".join(parts), combine(verdicts), CAPACITY)


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
