"""Claims on learning rates, batch sizes and momentum (1.22, 2.18, 2.25): the sweeps read
over their seeds (paired by seed), the quadratic and the update counts as exact."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dl_lab.course.rules import (
    Verdict,
    at_least,
    combine,
    holds,
    holds_on_seeds,
    still_improving,
    unsettled,
)
from dl_lab.findings.diagnostics.context import (
    Context,
    Row,
    by_seed,
    compare,
    figure,
    ms,
    table,
    values,
)

LR = [figure("lr_sweep"), table("lr_sweep")]
BATCH = [figure("batch_sizes"), table("batch_sizes"), table("batch_trace")]
QUADRATIC = [figure("quadratic"), table("quadratic")]


def _best_rate(rows: pd.DataFrame) -> float | None:
    """The rate with the lowest final validation loss among those that did not diverge."""
    usable = rows[rows["outcome"] != "diverged"]
    return None if usable.empty else float(usable.loc[usable["final_val_loss"].idxmin(), "lr"])


def _lr_cases(c: Context, part: pd.DataFrame, low: float, high: float) -> dict[str, bool]:
    """One seed of the sweep: per optimizer, best rate in range, large unstable, small slow."""
    cases = {}
    for optimizer, rows in part.groupby("optimizer", sort=False):
        best = _best_rate(rows)
        cases[f"{optimizer} best rate in [{low:g}, {high:g}]"] = (
            best is not None and low <= best <= high
        )
        for r in rows[rows["lr"] >= c.limits.unstable_lr].itertuples():
            cases[f"{optimizer} {r.lr:g} unstable"] = r.outcome in ("diverged", "too_large")
        for r in rows[rows["lr"] <= c.limits.slow_lr].itertuples():
            cases[f"{optimizer} {r.lr:g} slow"] = r.outcome == "too_small"
    return cases


def _on_seeds(c: Context, name: str, cases_of) -> dict[str, list[bool]]:
    """``cases_of(rows of one seed)`` for every seed of the table ``name``, case by case."""
    cases: dict[str, list[bool]] = {}
    for _, part in by_seed(c[name]):
        for case, ok in cases_of(part).items():
            cases.setdefault(case, []).append(bool(ok))
    return cases


def learning_rates(c: Context) -> Row:
    """Per optimizer and seed: the best rate lies in the course's range; rates from
    ``unstable_lr`` diverge or end clearly worse; rates up to ``slow_lr`` end clearly worse
    (too small)."""
    low, high = c.value("1.22-lr")
    cases = _on_seeds(c, "lr_sweep", lambda part: _lr_cases(c, part, low, high))
    parts = []
    for optimizer, rows in c["lr_sweep"].groupby("optimizer", sort=False):
        best = [_best_rate(part) for _, part in by_seed(rows)]
        outcomes = "; ".join(
            f"{lr:g} " + "/".join(rows.loc[rows["lr"] == lr, "outcome"].astype(str))
            for lr in sorted(rows["lr"].unique())
        )
        bests = ", ".join("none" if b is None else f"{b:g}" for b in best)
        parts.append(f"{optimizer}: best rate by seed {bests} (outcome by seed: {outcomes})")
    verdict = holds_on_seeds(cases, f"best rate in [{low:g}, {high:g}], large unstable, small slow")
    return c.answer("1.22-lr", "; ".join(parts), verdict, LR)


def lr_table(c: Context) -> Row | None:
    """The corrected example: lr 0.1 diverges with Adam but trains with SGD, on every seed."""
    sweep = c["lr_sweep"]
    rate = c.limits.unstable_lr
    runs = {
        opt: sweep[(sweep["optimizer"] == opt) & (sweep["lr"] == rate)] for opt in ("adam", "sgd")
    }
    if any(rows.empty for rows in runs.values()):
        return None
    cases = {f"adam {rate:g} diverges": list(runs["adam"]["diverged"].astype(bool)),
             f"sgd {rate:g} trains": list(~runs["sgd"]["diverged"].astype(bool))}  # fmt: skip
    measured = "; ".join(
        f"lr {rate:g} {opt}: " + "/".join(rows["outcome"].astype(str)) + " by seed (val acc "
        f"{ms(rows['final_val_acc'].to_numpy(dtype=float))})" for opt, rows in runs.items()
    ) + "; an MLP here, not the course's MNIST CNN"  # fmt: skip
    return c.answer("1.22-table", measured, holds_on_seeds(cases, "adam diverges, sgd trains"), LR)


def _sizes(c: Context) -> pd.DataFrame:
    return c["batch_sizes"].sort_values("batch_size", kind="stable").reset_index(drop=True)


def _improving(c: Context, batch_size: int, label: str) -> str | None:
    """Why the runs of one batch size were not settled: on some seed, its probe training
    loss (the only per-run trace in the tables) was at its lowest at the last evaluation."""
    trace = c["batch_trace"]
    sizes = _sizes(c)
    late = []
    for seed, part in by_seed(trace[trace["batch_size"] == batch_size]):
        losses = part.sort_values("updates")["train_loss"].to_numpy(dtype=float)
        if len(losses) >= 2 and still_improving(losses, "min"):
            late.append(("" if seed is None else f"seed {seed}: ") + f"{losses[-1]:.3f}")
    if not late:
        return None
    run = sizes[sizes["batch_size"] == batch_size].iloc[0]
    epoch = int(run["updates"]) // max(int(run["updates_per_epoch"]), 1)
    return (f"batch {label} still improving at its last epoch (epoch {epoch}): its probe "
            f"training loss was lowest at its last evaluation ({', '.join(late)})")  # fmt: skip


def _compare_batches(c: Context, large: pd.Series, small: pd.Series) -> Verdict:
    """Large-batch val accuracy below the small batch's (paired by seed); unsettled where
    either was still improving on a seed."""
    sizes = _sizes(c)
    acc = {r["batch"]: values(sizes, "val_acc", batch_size=r["batch_size"]) for r in (large, small)}
    improving = [note for r in (large, small)
                 if (note := _improving(c, r["batch_size"], r["batch"]))]  # fmt: skip
    if improving:
        return unsettled(f"batch {large['batch']} val acc {ms(acc[large['batch']])} vs batch "
                         f"{small['batch']} {ms(acc[small['batch']])}: " + "; ".join(improving))  # fmt: skip
    return compare(acc[large["batch"]], acc[small["batch"]], "a<b", c.tol.accuracy,
                     (f"batch {large['batch']} val acc", f"batch {small['batch']}"))  # fmt: skip


def _kinds(sizes: pd.DataFrame) -> pd.DataFrame:
    """One row per batch size (the first seed's), smallest first."""
    return sizes.drop_duplicates("batch_size").reset_index(drop=True)


def batch_generalization(c: Context) -> Row | None:
    sizes = _kinds(_sizes(c))
    lo, hi = c.limits.small_batches
    small = sizes[(sizes["batch_size"] >= lo) & (sizes["batch_size"] <= hi)]
    large = sizes[sizes["batch_size"] >= c.limits.large_batch]
    if small.empty or large.empty:
        return None
    verdicts = [_compare_batches(c, b, s) for _, s in small.iterrows() for _, b in large.iterrows()]
    measured = ", ".join(
        f"batch {r.batch}: val acc {ms(values(_sizes(c), 'val_acc', batch_size=r.batch_size))} "
        f"after {r.updates} updates" for r in pd.concat([small, large]).itertuples()
    )  # fmt: skip
    measured += " (same epochs and learning rate: the large batch also made fewer updates)"
    return c.answer("1.22-batch", measured, combine(verdicts), BATCH)


def _rises(trace: pd.DataFrame) -> float:
    """Share of consecutive probe-loss evaluations in which the training loss went up."""
    steps = np.diff(trace.sort_values("updates")["train_loss"].to_numpy(dtype=float))
    return float((steps > 0).mean()) if len(steps) else math.nan


def stability(c: Context) -> Row | None:
    sizes = _kinds(_sizes(c))
    if len(sizes) < 2:
        return None
    small, large = sizes.iloc[0], sizes.iloc[-1]
    trace = c["batch_trace"]
    rises = {r["batch"]: np.array([_rises(part) for _, part in
                                   by_seed(trace[trace["batch_size"] == r["batch_size"]])])
             for r in (small, large)}  # fmt: skip
    if not all(np.isfinite(v).all() for v in rises.values()):
        return None
    verdict = compare(rises[large["batch"]], rises[small["batch"]], "a<b", c.tol.rises,
                        (f"batch {large['batch']} share of rising steps",
                         f"batch {small['batch']}"))  # fmt: skip
    measured = "; ".join(
        f"batch {name}: the probe loss rose in {ms(share)} of evaluation steps"
        for name, share in rises.items()
    )
    return c.answer("2.25-stability", measured, verdict, BATCH)


def speed(c: Context) -> Row | None:
    every = _sizes(c)
    sizes = _kinds(every)
    if len(sizes) < 2:
        return None
    small, large = sizes.iloc[0], sizes.iloc[-1]
    times = {r["batch"]: values(every, "time_per_epoch_s", batch_size=r["batch_size"])
             for r in (small, large)}  # fmt: skip
    verdict = combine([
        at_least(times[small["batch"]] / times[large["batch"]], 1 + c.tol.slower_by,
                 f"epoch time batch {small['batch']} / batch {large['batch']}"),
        at_least(small["updates_per_epoch"] / large["updates_per_epoch"], 1 + c.tol.slower_by,
                 f"updates per epoch batch {small['batch']} / batch {large['batch']}",
                 exact=True),  # ceil(n / batch): a count, the same on every seed
    ])  # fmt: skip
    measured = "; ".join(
        f"batch {r['batch']}: {ms(times[r['batch']] * 1000)} ms per epoch, "
        f"{r['updates_per_epoch']} updates per epoch"
        for r in (small, large)
    )
    return c.answer("2.25-speed", measured, verdict, BATCH)


def updates(c: Context) -> Row | None:
    """Update counts: ceil(n / batch), the same on every seed (the first seed's are read)."""
    sizes = _kinds(_sizes(c))
    full = sizes[sizes["batch"].astype(str) == "full"]
    if full.empty:
        return None
    n = int(full["batch_size"].iloc[0])
    cases = [int(full["updates_per_epoch"].iloc[0]) == 1]
    single = sizes[sizes["batch_size"] == 1]
    cases += [int(r.updates_per_epoch) == n for r in single.itertuples()]
    measured = (
        ", ".join(
            f"batch {r.batch}: {r.updates_per_epoch} updates per epoch" for r in sizes.itertuples()
        )
        + f" ({n} training images)"
    )
    verdict = holds(cases, "full batch 1 update per epoch, batch 1 one per sample")
    return c.answer("2.25-updates", measured, verdict, BATCH)


def momentum(c: Context) -> Row | None:
    """Fewer steps to the tolerance (or, where neither gets there, a lower final loss) and
    fewer sign flips along the steep axis than plain gradient descent."""
    runs = c["quadratic"].set_index("run")
    gd_name = c.cases.plain_descent
    names = [name for name in c.cases.momentum_runs if name in runs.index]
    if gd_name not in runs.index or not names:
        return None
    gd = runs.loc[gd_name]
    cases, parts = [], []
    for name in names:  # exact counts of one deterministic run each: compared as they are
        run = runs.loc[name]
        reached = [
            math.isfinite(run["steps_to_tolerance"]),
            math.isfinite(gd["steps_to_tolerance"]),
        ]
        if all(reached):
            cases.append(run["steps_to_tolerance"] < gd["steps_to_tolerance"])
        elif any(reached):
            cases.append(reached[0])
        else:
            cases.append(run["final_loss"] < gd["final_loss"])
        cases.append(run["steep_axis_sign_flips"] < gd["steep_axis_sign_flips"])
    for name in [gd_name, *names]:
        run = runs.loc[name]
        steps = run["steps_to_tolerance"]
        reach = (
            f"{steps:.0f} steps to tolerance" if math.isfinite(steps) else "tolerance not reached"
        )
        parts.append(
            f"{name}: {reach}, final loss {run['final_loss']:.3g}, "
            f"{run['steep_axis_sign_flips']:.0f} sign flips"
        )
    verdict = holds(cases, f"momentum faster to the minimum and fewer zig-zags than {gd_name}")
    return c.answer("2.18-faster", "; ".join(parts), verdict, QUADRATIC)


CHECKS = [learning_rates, lr_table, batch_generalization, stability, speed, updates, momentum]
