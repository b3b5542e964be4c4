"""Claims on learning rates, batch sizes and momentum (1.22, 2.18, 2.25)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dl_lab.course.rules import (
    Verdict,
    at_least,
    combine,
    direction,
    holds,
    still_improving,
    unsettled,
)
from dl_lab.findings.diagnostics.context import Context, Row, figure, table

LR = [figure("lr_sweep"), table("lr_sweep")]
BATCH = [figure("batch_sizes"), table("batch_sizes"), table("batch_trace")]
QUADRATIC = [figure("quadratic"), table("quadratic")]


def _best_rate(rows: pd.DataFrame) -> float | None:
    """The rate with the lowest final validation loss among those that did not diverge."""
    usable = rows[rows["outcome"] != "diverged"]
    return None if usable.empty else float(usable.loc[usable["final_val_loss"].idxmin(), "lr"])


def learning_rates(c: Context) -> Row:
    """Per optimizer: the best rate lies in the course's range; rates from ``unstable_lr``
    diverge or end clearly worse; rates up to ``slow_lr`` end clearly worse (too small)."""
    low, high = c.value("1.22-lr")
    cases, parts = [], []
    for optimizer, rows in c["lr_sweep"].groupby("optimizer", sort=False):
        best = _best_rate(rows)
        cases.append(best is not None and low <= best <= high)
        big = rows[rows["lr"] >= c.limits.unstable_lr]
        small = rows[rows["lr"] <= c.limits.slow_lr]
        cases += list(big["outcome"].isin(["diverged", "too_large"]))
        cases += list(small["outcome"] == "too_small")
        outcomes = ", ".join(f"{r.lr:g} {r.outcome}" for r in rows.itertuples())
        parts.append(f"{optimizer}: best {best:g} ({outcomes})" if best is not None
                     else f"{optimizer}: every rate diverged ({outcomes})")  # fmt: skip
    verdict = holds(cases, f"best rate in [{low:g}, {high:g}], large unstable, small slow")
    return c.answer("1.22-lr", "; ".join(parts), verdict, LR)


def lr_table(c: Context) -> Row | None:
    """The corrected example: lr 0.1 diverges with Adam but trains with SGD."""
    sweep = c["lr_sweep"].set_index(["optimizer", "lr"])
    keys = [("adam", c.limits.unstable_lr), ("sgd", c.limits.unstable_lr)]
    if any(key not in sweep.index for key in keys):
        return None
    adam, sgd = (sweep.loc[key] for key in keys)
    cases = [bool(adam["diverged"]), not bool(sgd["diverged"])]
    measured = (f"lr {c.limits.unstable_lr:g}: adam {adam['outcome']} (val acc "
                f"{adam['final_val_acc']:.3f}), sgd {sgd['outcome']} (val acc "
                f"{sgd['final_val_acc']:.3f}); an MLP here, not the course's MNIST CNN")  # fmt: skip
    return c.answer("1.22-table", measured, holds(cases, "adam diverges, sgd trains"), LR)


def _sizes(c: Context) -> pd.DataFrame:
    return c["batch_sizes"].sort_values("batch_size").reset_index(drop=True)


def _improving(c: Context, run) -> str | None:
    """Why the run of one batch size was not settled: its probe training loss (the only
    per-run trace in the tables) was at its lowest at the last evaluation; else None."""
    trace = c["batch_trace"]
    losses = trace[trace["batch_size"] == run.batch_size].sort_values("updates")["train_loss"]
    if len(losses) < 2 or not still_improving(losses.to_numpy(dtype=float), "min"):
        return None
    epoch = int(run.updates) // max(int(run.updates_per_epoch), 1)
    return (f"batch {run.batch} still improving at its last epoch (epoch {epoch}): its probe "
            f"training loss was lowest ({losses.iloc[-1]:.3f}) at its last evaluation")  # fmt: skip


def _compare_batches(c: Context, large, small) -> Verdict:
    """Large-batch val accuracy below the small batch's; unsettled where either still improved."""
    improving = [note for run in (large, small) if (note := _improving(c, run))]
    if improving:
        return unsettled(f"batch {large.batch} val acc {large.val_acc:.3f} vs batch "
                         f"{small.batch} {small.val_acc:.3f}: " + "; ".join(improving))  # fmt: skip
    return direction(large.val_acc, small.val_acc, "a<b", c.tol.accuracy,
                     (f"batch {large.batch} val acc", f"batch {small.batch}"))  # fmt: skip


def batch_generalization(c: Context) -> Row | None:
    sizes = _sizes(c)
    lo, hi = c.limits.small_batches
    small = sizes[(sizes["batch_size"] >= lo) & (sizes["batch_size"] <= hi)]
    large = sizes[sizes["batch_size"] >= c.limits.large_batch]
    if small.empty or large.empty:
        return None
    verdicts = [_compare_batches(c, b, s) for s in small.itertuples() for b in large.itertuples()]
    measured = ", ".join(
        f"batch {r.batch}: val acc {r.val_acc:.3f} after {r.updates} updates"
        for r in pd.concat([small, large]).itertuples()
    )
    measured += " (same epochs and learning rate: the large batch also made fewer updates)"
    return c.answer("1.22-batch", measured, combine(verdicts), BATCH)


def _rises(trace: pd.DataFrame) -> float:
    """Share of consecutive probe-loss evaluations in which the training loss went up."""
    steps = np.diff(trace.sort_values("updates")["train_loss"].to_numpy(dtype=float))
    return float((steps > 0).mean()) if len(steps) else math.nan


def stability(c: Context) -> Row | None:
    sizes = _sizes(c)
    if len(sizes) < 2:
        return None
    small, large = sizes.iloc[0], sizes.iloc[-1]
    trace = c["batch_trace"]
    rises = {r["batch"]: _rises(trace[trace["batch_size"] == r["batch_size"]])
             for r in (small, large)}  # fmt: skip
    if not all(math.isfinite(v) for v in rises.values()):
        return None
    verdict = direction(rises[large["batch"]], rises[small["batch"]], "a<b", c.tol.rises,
                        (f"batch {large['batch']} share of rising steps",
                         f"batch {small['batch']}"))  # fmt: skip
    measured = "; ".join(
        f"batch {name}: the probe loss rose in {share:.0%} of evaluation steps"
        for name, share in rises.items()
    )
    return c.answer("2.25-stability", measured, verdict, BATCH)


def speed(c: Context) -> Row | None:
    sizes = _sizes(c)
    if len(sizes) < 2:
        return None
    small, large = sizes.iloc[0], sizes.iloc[-1]
    verdict = combine([
        at_least(small["time_per_epoch_s"] / large["time_per_epoch_s"], 1 + c.tol.slower_by,
                 f"epoch time batch {small['batch']} / batch {large['batch']}"),
        at_least(small["updates_per_epoch"] / large["updates_per_epoch"], 1 + c.tol.slower_by,
                 f"updates per epoch batch {small['batch']} / batch {large['batch']}",
                 exact=True),  # ceil(n / batch): a count
    ])  # fmt: skip
    measured = "; ".join(
        f"batch {r.batch}: {r.time_per_epoch_s * 1000:.1f} ms per epoch, "
        f"{r.updates_per_epoch} updates per epoch"
        for r in (small, large)
    )
    return c.answer("2.25-speed", measured, verdict, BATCH)


def updates(c: Context) -> Row | None:
    sizes = _sizes(c)
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
