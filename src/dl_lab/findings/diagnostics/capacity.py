"""Claims on bias and variance (1.2, 1.20), depth and width (1.24), and classical vs deep
models (1.1, 1.27), each read over the seeds of its experiment (paired by seed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_lab.course.rules import at_least, combine, holds_on_seeds, within
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

BIAS_VARIANCE = [figure("bias_variance"), table("bias_variance")]
CAPACITY = [figure("capacity"), table("capacity")]
CLASSICAL = [figure("learning_curves_by_size"), figure("classical"), table("classical"),
             table("classical_winners")]  # fmt: skip
FAMILIES = {"polynomial_degree": "polynomial degree", "mlp_width": "MLP width"}


def _family(c: Context, family: str) -> pd.DataFrame:
    part = c["bias_variance"]
    return part[part["family"] == family]


def _complexities(c: Context, family: str) -> list:
    """The complexities of ``family``, least to most complex."""
    return sorted(_family(c, family)["complexity"].unique())


def _at(c: Context, family: str, complexity, column: str) -> np.ndarray:
    """``column`` of one complexity, one value per seed."""
    return values(_family(c, family), column, complexity=complexity)


def _bv(c: Context, family: str, complexity, label: str) -> str:
    return (f"{label} {complexity}: bias^2 {ms(_at(c, family, complexity, 'bias2'))}, "
            f"variance {ms(_at(c, family, complexity, 'variance'))}")  # fmt: skip


def decomposition(c: Context) -> Row:
    frame = c["bias_variance"]
    relative = (frame["sum"] - frame["expected_test_mse"]).abs() / frame["expected_test_mse"]
    worst = frame.loc[relative.idxmax()]
    per_seed = [float(relative[part.index].max()) for _, part in by_seed(frame)]
    measured = (
        f"largest |bias^2 + variance + noise - measured MSE| / measured MSE per seed "
        f"{ms(per_seed)} over {frame.groupby(['family', 'complexity']).ngroups} models "
        f"(worst: {FAMILIES.get(worst['family'], worst['family'])} {worst['complexity']}: "
        f"{worst['sum']:.4f} vs {worst['expected_test_mse']:.4f})"
    )
    verdict = within(per_seed, 0.0, c.tol.identity, "largest relative gap")
    return c.answer("1.2-decomposition", measured, verdict, BIAS_VARIANCE)


def linear_underfits(c: Context) -> Row | None:
    if 1 not in _complexities(c, "polynomial_degree"):
        return None
    family = "polynomial_degree"
    verdict = compare(_at(c, family, 1, "variance"), _at(c, family, 1, "bias2"), "a<b",
                        c.tol.bias_variance, ("variance", "bias^2"))  # fmt: skip
    return c.answer("1.2-linear-underfits", _bv(c, family, 1, "polynomial degree"), verdict,
                    BIAS_VARIANCE)  # fmt: skip


def _largest(c: Context) -> list[tuple[str, str, object]]:
    """(family, label, most complex model) of each family that was run."""
    return [(family, label, _complexities(c, family)[-1]) for family, label in FAMILIES.items()
            if _complexities(c, family)]  # fmt: skip


def big_net_overfits(c: Context) -> Row:
    largest = _largest(c)
    verdicts = [
        compare(_at(c, family, top, "bias2"), _at(c, family, top, "variance"), "a<b",
                  c.tol.bias_variance, (f"{label} {top} bias^2", "variance"))
        for family, label, top in largest
    ]  # fmt: skip
    measured = "; ".join(_bv(c, f, top, label) for f, label, top in largest)
    measured += " (every model fitted to resamples of one small training set)"
    return c.answer("1.2-big-net-overfits", measured, combine(verdicts), BIAS_VARIANCE)


def _minimum_inside(part: pd.DataFrame) -> bool:
    """The lowest test MSE of one seed lies strictly inside the complexity range."""
    ordered = part.sort_values("complexity").reset_index(drop=True)
    return 0 < int(ordered["expected_test_mse"].idxmin()) < len(ordered) - 1


def tradeoff(c: Context) -> Row:
    """Per family: bias^2 falls, variance rises from least to most complex (paired by seed);
    the total error's minimum lies inside the range (a U) on every seed where there are at
    least three complexities."""
    verdicts, parts, inside = [], [], {}
    for family, label in FAMILIES.items():
        levels = _complexities(c, family)
        if len(levels) < 2:
            continue
        low, high = levels[0], levels[-1]
        verdicts += [
            compare(_at(c, family, low, "bias2"), _at(c, family, high, "bias2"), "a>b",
                      c.tol.bias_variance, (f"{label} bias^2 at {low}", f"at {high}")),
            compare(_at(c, family, low, "variance"), _at(c, family, high, "variance"), "a<b",
                      c.tol.bias_variance, (f"{label} variance at {low}", f"at {high}")),
        ]  # fmt: skip
        text = f"{_bv(c, family, low, label)} -> {_bv(c, family, high, label)}"
        if len(levels) >= 3:
            seeds = by_seed(_family(c, family))
            inside[f"{label}: test-MSE minimum inside"] = [_minimum_inside(p) for _, p in seeds]
            mean = _family(c, family).groupby("complexity")["expected_test_mse"].mean()
            text += (f"; mean test MSE lowest at {mean.idxmin()} ({mean.min():.3f}; ends "
                     f"{mean.iloc[0]:.3f}, {mean.iloc[-1]:.3f})")  # fmt: skip
        parts.append(text)
    if inside:
        verdicts.append(holds_on_seeds(inside, "U-shaped test error"))
    return c.answer("1.20-tradeoff", "; ".join(parts), combine(verdicts), BIAS_VARIANCE)


def profiles(c: Context) -> Row | None:
    """The linear model (degree 1) against the widest MLP on the same 30 points."""
    if 1 not in _complexities(c, "polynomial_degree") or not _complexities(c, "mlp_width"):
        return None
    poly, mlp = "polynomial_degree", "mlp_width"
    net = _complexities(c, mlp)[-1]
    verdict = combine([
        compare(_at(c, poly, 1, "bias2"), _at(c, mlp, net, "bias2"), "a>b",
                  c.tol.bias_variance, ("linear bias^2", f"MLP width {net} bias^2")),
        compare(_at(c, poly, 1, "variance"), _at(c, mlp, net, "variance"), "a<b",
                  c.tol.bias_variance, ("linear variance", f"MLP width {net} variance")),
    ])  # fmt: skip
    measured = (
        f"{_bv(c, poly, 1, 'polynomial degree')}; {_bv(c, mlp, net, 'MLP width')}; no "
        "regularized model is run here, so the middle profile is not measured"
    )
    return c.answer("1.20-profiles", measured, verdict, BIAS_VARIANCE)


def _sweeps(c: Context, kind: str) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """The capacity sweeps of ``kind`` (depth or width) with at least two variants: the
    sweep, its rows, its variants in order."""
    capacity = c["capacity"]
    return [(str(name), part, list(dict.fromkeys(by_number(part)["variant"])))
            for name, part in capacity.groupby("sweep", sort=False)
            if str(name).endswith(kind) and part["variant"].nunique() >= 2]  # fmt: skip


def depth(c: Context) -> Row | None:
    """Deepest vs shallowest: val accuracy (unsettled where either was still improving) and
    training time (a cost, read at any epoch)."""
    sweeps = _sweeps(c, "depth")
    if not sweeps:
        return None
    verdicts, parts = [], []
    for name, rows, variants in sweeps:
        low, high = variants[0], variants[-1]
        acc = {v: values(rows, "val_acc", variant=v) for v in (low, high)}
        secs = {v: values(rows, "train_time_s", variant=v) for v in (low, high)}
        accuracy = compare(acc[low], acc[high], "a<b", c.tol.accuracy,
                             (f"{name} {low} val acc", f"{high}"))  # fmt: skip
        verdicts += [
            settled(accuracy, [improving(rows, f"{name} {v}", variant=v) for v in (low, high)]),
            at_least(secs[high] / secs[low], 1 + c.tol.slower_by,
                     f"{name} training time {high}/{low}"),  # a cost: settled at any epoch
        ]  # fmt: skip
        parts.append(f"{name}: {low} val {ms(acc[low])} in {ms(secs[low])} s, {high} val "
                     f"{ms(acc[high])} in {ms(secs[high])} s")  # fmt: skip
    return c.answer("1.24-depth", "; ".join(parts), combine(verdicts), CAPACITY)


def _width_cases(rows: pd.DataFrame, name: str, variants: list[str]) -> dict[str, bool]:
    """One seed of one width sweep: narrowest underfits, widest overfits, best inside."""
    advice = rows.set_index("variant")["advice"]
    narrow, wide = variants[0], variants[-1]
    cases = {f"{name} {narrow} underfits (advice increase)": advice[narrow] == "increase",
             f"{name} {wide} overfits (advice decrease)": advice[wide] == "decrease"}  # fmt: skip
    if len(variants) >= 3:
        acc = rows.set_index("variant")["val_acc"].reindex(variants).to_numpy()
        cases[f"{name} best val acc at an inside width"] = 0 < int(acc.argmax()) < len(acc) - 1
    return cases


def width(c: Context) -> Row | None:
    """Narrowest: advice increase (underfits); widest: advice decrease (overfits); with three
    or more widths, the best validation accuracy at an inside width; on every seed, and
    unsettled where a width was still improving at its last epoch (its fit is not yet read)."""
    sweeps = _sweeps(c, "width")
    if not sweeps:
        return None
    cases: dict[str, list[bool]] = {}
    parts = []
    for name, rows, variants in sweeps:
        for _, part in by_seed(rows):
            for case, ok in _width_cases(part, name, variants).items():
                cases.setdefault(case, []).append(bool(ok))
        parts.append(f"{name}: " + ", ".join(
            f"{v} train {ms(values(rows, 'train_acc', variant=v))} val "
            f"{ms(values(rows, 'val_acc', variant=v))} ({_advice_text(rows, v)})"
            for v in (variants[0], variants[-1])))  # fmt: skip
    verdict = settled(
        holds_on_seeds(cases, "narrow underfits / wide overfits / moderate best"),
        [improving(rows, f"{name} {v}", variant=v) for name, rows, variants in sweeps
         for v in variants],
    )  # fmt: skip
    return c.answer("1.24-width", "; ".join(parts), verdict, CAPACITY)


def _advice_text(rows: pd.DataFrame, variant: str) -> str:
    counts = rows.loc[rows["variant"] == variant, "advice"].value_counts()
    return ", ".join(f"advice {advice} on {n} seeds" for advice, n in counts.items())


def _margins(part: pd.DataFrame, features: str | None) -> pd.DataFrame:
    """Per training size of one seed: best deep minus best classical test accuracy (on
    ``features`` only, or on any features)."""
    classical = part[part["family"] == "classical"]
    if features is not None:
        classical = classical[classical["features"] == features]
    deep = part[part["family"] == "deep"]
    margins = pd.DataFrame(
        {
            "classical": classical.groupby("train_size")["test_acc"].max(),
            "deep": deep.groupby("train_size")["test_acc"].max(),
        }
    ).dropna()
    return margins.assign(margin=margins["deep"] - margins["classical"]).sort_index()


def _seed_margins(c: Context, features: str | None) -> list[pd.DataFrame]:
    """``_margins`` of each seed of the classical table."""
    return [_margins(part, features) for _, part in by_seed(c["classical"])]


def _column(margins: list[pd.DataFrame], column: str, at: int) -> np.ndarray:
    """``column`` at the ``at``-th training size (0 smallest, -1 largest), one per seed."""
    return np.array([float(m[column].iloc[at]) for m in margins])


def _margin_text(margins: list[pd.DataFrame], label: str = "classical") -> str:
    sizes = margins[0].index
    return "; ".join(
        f"{size} images: deep {ms(_column(margins, 'deep', i))} vs {label} "
        f"{ms(_column(margins, 'classical', i))} (edge {ms(_column(margins, 'margin', i))})"
        for i, size in enumerate(sizes))  # fmt: skip


def data_size(c: Context) -> Row | None:
    margins = _seed_margins(c, None)
    if len(margins[0]) < 2:
        return None
    verdict = compare(_column(margins, "margin", 0), _column(margins, "margin", -1), "a<b",
                        c.tol.accuracy, ("deep edge at the smallest size", "at the largest"))  # fmt: skip
    return c.answer("1.1-data-size", _margin_text(margins), verdict, CLASSICAL)


def small_data_speed(c: Context) -> Row:
    """At the smallest size, per seed: the fastest deep model's training time over the
    slowest classical model's reaches ``1 + slower_by`` (every classical model faster than
    every deep one)."""
    frame = c["classical"]
    smallest = frame[frame["train_size"] == frame["train_size"].min()]
    ratios, slowest = [], []
    for _, part in by_seed(smallest):
        classical = part[part["family"] == "classical"]
        deep = part[part["family"] == "deep"]
        top = classical.loc[classical["train_time_s"].idxmax()]
        slowest.append(f"{top['model']} ({top['features']})")
        ratios.append(float(deep["train_time_s"].min() / top["train_time_s"]))
    deep_names = smallest.loc[smallest["family"] == "deep", "model"].unique()
    measured = (
        f"{int(smallest['train_size'].iloc[0])} training images: deep "
        + ", ".join(f"{d} {ms(values(smallest, 'train_time_s', model=d))} s" for d in deep_names)
        + f"; slowest classical model per seed: {', '.join(slowest)}; fastest deep / slowest "
        f"classical time {ms(ratios)}"
    )
    verdict = at_least(ratios, 1 + c.tol.slower_by, "fastest deep / slowest classical time")
    return c.answer("1.1-small-data-speed", measured, verdict, CLASSICAL)


def end_to_end(c: Context) -> Row | None:
    margins = _seed_margins(c, "hog")
    if margins[0].empty:
        return None
    verdict = compare(_column(margins, "classical", -1), _column(margins, "deep", -1), "a<b",
                        c.tol.accuracy, ("best HOG + classical", "best deep"))  # fmt: skip
    largest = [m.iloc[-1:] for m in margins]
    measured = "at the largest size, " + _margin_text(largest, "HOG + classical")
    return c.answer("1.27-end-to-end", measured, verdict, CLASSICAL)


def small_data(c: Context) -> Row | None:
    """The deep edge over HOG features at the smallest size is below the edge at the largest
    (it shrinks) or below zero where there is no edge at the largest (it reverses)."""
    margins = _seed_margins(c, "hog")
    if len(margins[0]) < 2:
        return None
    verdict = compare(
        _column(margins, "margin", 0),
        np.maximum(_column(margins, "margin", -1), 0.0),
        "a<b",
        c.tol.accuracy,
        ("deep edge over HOG at the smallest size", "max(edge at the largest, 0)"),
    )
    return c.answer("1.27-small-data", _margin_text(margins, "HOG"), verdict, CLASSICAL)


CHECKS = [decomposition, linear_underfits, big_net_overfits, tradeoff, profiles, depth, width,
          data_size, small_data_speed, end_to_end, small_data]  # fmt: skip
