"""Claims on bias and variance (1.2, 1.20), depth and width (1.24), and classical vs deep
models (1.1, 1.27)."""

from __future__ import annotations

import pandas as pd

from dl_lab.course.rules import at_least, combine, direction, holds, within
from dl_lab.findings.diagnostics.context import Context, Row, by_number, figure, table

BIAS_VARIANCE = [figure("bias_variance"), table("bias_variance")]
CAPACITY = [figure("capacity"), table("capacity")]
CLASSICAL = [figure("learning_curves_by_size"), figure("classical"), table("classical"),
             table("classical_winners")]  # fmt: skip
FAMILIES = {"polynomial_degree": "polynomial degree", "mlp_width": "MLP width"}


def _family(c: Context, family: str) -> pd.DataFrame:
    part = c["bias_variance"]
    return part[part["family"] == family].sort_values("complexity").reset_index(drop=True)


def _bv(row: pd.Series, label: str) -> str:
    return f"{label} {row['complexity']}: bias^2 {row['bias2']:.3g}, variance {row['variance']:.3g}"


def decomposition(c: Context) -> Row:
    frame = c["bias_variance"]
    relative = (frame["sum"] - frame["expected_test_mse"]).abs() / frame["expected_test_mse"]
    worst = frame.loc[relative.idxmax()]
    measured = (
        f"largest |bias^2 + variance + noise - measured MSE| / measured MSE = {relative.max():.3g} "
        f"over {len(frame)} models ({FAMILIES.get(worst['family'], worst['family'])} "
        f"{worst['complexity']}: {worst['sum']:.4f} vs {worst['expected_test_mse']:.4f})"
    )
    verdict = within(relative.max(), 0.0, c.tol.identity, "largest relative gap")
    return c.answer("1.2-decomposition", measured, verdict, BIAS_VARIANCE)


def linear_underfits(c: Context) -> Row | None:
    poly = _family(c, "polynomial_degree")
    linear = poly[poly["complexity"] == 1]
    if linear.empty:
        return None
    row = linear.iloc[0]
    verdict = direction(row["variance"], row["bias2"], "a<b", c.tol.bias_variance,
                        ("variance", "bias^2"))  # fmt: skip
    return c.answer("1.2-linear-underfits", _bv(row, "polynomial degree"), verdict, BIAS_VARIANCE)


def _largest(c: Context) -> list[tuple[str, pd.Series]]:
    """The most complex model of each family."""
    return [(label, _family(c, family).iloc[-1]) for family, label in FAMILIES.items()
            if not _family(c, family).empty]  # fmt: skip


def big_net_overfits(c: Context) -> Row:
    largest = _largest(c)
    verdicts = [
        direction(row["bias2"], row["variance"], "a<b", c.tol.bias_variance,
                  (f"{label} {row['complexity']} bias^2", "variance"))
        for label, row in largest
    ]  # fmt: skip
    measured = "; ".join(_bv(row, label) for label, row in largest) + " (30 training points)"
    return c.answer("1.2-big-net-overfits", measured, combine(verdicts), BIAS_VARIANCE)


def tradeoff(c: Context) -> Row:
    """Per family: bias^2 falls, variance rises from least to most complex; the total error's
    minimum lies inside the range (a U) where there are at least three complexities."""
    verdicts, parts = [], []
    for family, label in FAMILIES.items():
        rows = _family(c, family)
        if len(rows) < 2:
            continue
        low, high = rows.iloc[0], rows.iloc[-1]
        verdicts += [
            direction(low["bias2"], high["bias2"], "a>b", c.tol.bias_variance,
                      (f"{label} bias^2 at {low['complexity']}", f"at {high['complexity']}")),
            direction(low["variance"], high["variance"], "a<b", c.tol.bias_variance,
                      (f"{label} variance at {low['complexity']}", f"at {high['complexity']}")),
        ]  # fmt: skip
        best = int(rows["expected_test_mse"].idxmin())
        text = f"{_bv(low, label)} -> {_bv(high, label)}"
        if len(rows) >= 3:
            verdicts.append(holds([0 < best < len(rows) - 1], f"{label}: test-MSE minimum inside"))
            text += (
                f"; test MSE lowest at {rows.loc[best, 'complexity']} "
                f"({rows.loc[best, 'expected_test_mse']:.3f}; ends "
                f"{rows['expected_test_mse'].iloc[0]:.3f}, {rows['expected_test_mse'].iloc[-1]:.3f})"
            )
        parts.append(text)
    return c.answer("1.20-tradeoff", "; ".join(parts), combine(verdicts), BIAS_VARIANCE)


def profiles(c: Context) -> Row | None:
    """The linear model (degree 1) against the widest MLP on the same 30 points."""
    poly, mlp = _family(c, "polynomial_degree"), _family(c, "mlp_width")
    linear = poly[poly["complexity"] == 1]
    if linear.empty or mlp.empty:
        return None
    line, net = linear.iloc[0], mlp.iloc[-1]
    verdict = combine([
        direction(line["bias2"], net["bias2"], "a>b", c.tol.bias_variance,
                  ("linear bias^2", f"MLP width {net['complexity']} bias^2")),
        direction(line["variance"], net["variance"], "a<b", c.tol.bias_variance,
                  ("linear variance", f"MLP width {net['complexity']} variance")),
    ])  # fmt: skip
    measured = (
        f"{_bv(line, 'polynomial degree')}; {_bv(net, 'MLP width')}; no regularized model "
        "is run here, so the middle profile is not measured"
    )
    return c.answer("1.20-profiles", measured, verdict, BIAS_VARIANCE)


def _sweeps(c: Context, kind: str) -> list[tuple[str, pd.DataFrame]]:
    """The capacity sweeps of ``kind`` (depth or width) with at least two variants, in order."""
    capacity = c["capacity"]
    return [(str(name), by_number(part).reset_index(drop=True))
            for name, part in capacity.groupby("sweep", sort=False)
            if str(name).endswith(kind) and len(part) >= 2]  # fmt: skip


def depth(c: Context) -> Row | None:
    sweeps = _sweeps(c, "depth")
    if not sweeps:
        return None
    verdicts, parts = [], []
    for name, rows in sweeps:
        low, high = rows.iloc[0], rows.iloc[-1]
        ratio = high["train_time_s"] / low["train_time_s"]
        verdicts += [
            direction(low["val_acc"], high["val_acc"], "a<b", c.tol.accuracy,
                      (f"{name} {low['variant']} val acc", f"{high['variant']}")),
            at_least(ratio, 1 + c.tol.slower_by,
                     f"{name} training time {high['variant']}/{low['variant']}"),
        ]  # fmt: skip
        parts.append(
            f"{name}: {low['variant']} val {low['val_acc']:.3f} in {low['train_time_s']:.2f} s, "
            f"{high['variant']} val {high['val_acc']:.3f} in {high['train_time_s']:.2f} s"
        )
    return c.answer("1.24-depth", "; ".join(parts), combine(verdicts), CAPACITY)


def width(c: Context) -> Row | None:
    """Narrowest: advice increase (underfits); widest: advice decrease (overfits); with three
    or more widths, the best validation accuracy at an inside width."""
    sweeps = _sweeps(c, "width")
    if not sweeps:
        return None
    cases, parts = [], []
    for name, rows in sweeps:
        narrow, wide = rows.iloc[0], rows.iloc[-1]
        cases += [narrow["advice"] == "increase", wide["advice"] == "decrease"]
        text = (
            f"{name}: {narrow['variant']} {narrow['advice']} (train {narrow['train_acc']:.3f}, "
            f"val {narrow['val_acc']:.3f}), {wide['variant']} {wide['advice']} (train "
            f"{wide['train_acc']:.3f}, val {wide['val_acc']:.3f})"
        )
        if len(rows) >= 3:
            best = int(rows["val_acc"].idxmax())
            cases.append(0 < best < len(rows) - 1)
            text += f", best val at {rows.loc[best, 'variant']}"
        parts.append(text)
    verdict = holds(cases, "narrow underfits / wide overfits / moderate best")
    return c.answer("1.24-width", "; ".join(parts), verdict, CAPACITY)


def _margins(c: Context, features: str | None) -> pd.DataFrame:
    """Per training size: best deep minus best classical test accuracy (on ``features`` only,
    or on any features)."""
    frame = c["classical"]
    classical = frame[frame["family"] == "classical"]
    if features is not None:
        classical = classical[classical["features"] == features]
    deep = frame[frame["family"] == "deep"]
    margins = pd.DataFrame(
        {
            "classical": classical.groupby("train_size")["test_acc"].max(),
            "deep": deep.groupby("train_size")["test_acc"].max(),
        }
    ).dropna()
    return margins.assign(margin=margins["deep"] - margins["classical"]).sort_index()


def _margin_text(margins: pd.DataFrame, label: str = "classical") -> str:
    return "; ".join(f"{size} images: deep {row.deep:.3f} vs {label} {row.classical:.3f} "
                     f"({row.margin:+.3f})" for size, row in margins.iterrows())  # fmt: skip


def data_size(c: Context) -> Row | None:
    margins = _margins(c, None)
    if len(margins) < 2:
        return None
    small, large = margins["margin"].iloc[0], margins["margin"].iloc[-1]
    verdict = direction(small, large, "a<b", c.tol.accuracy,
                        ("deep edge at the smallest size", "at the largest"))  # fmt: skip
    return c.answer("1.1-data-size", _margin_text(margins), verdict, CLASSICAL)


def small_data_speed(c: Context) -> Row:
    frame = c["classical"]
    smallest = frame[frame["train_size"] == frame["train_size"].min()]
    classical = smallest[smallest["family"] == "classical"]
    deep = smallest[smallest["family"] == "deep"]
    cases = [d.train_time_s > (1 + c.tol.slower_by) * k.train_time_s
             for k in classical.itertuples() for d in deep.itertuples()]  # fmt: skip
    slow = [f"{k.model} ({k.features}) {k.train_time_s:.3f} s" for k in classical.itertuples()
            if not all(d.train_time_s > (1 + c.tol.slower_by) * k.train_time_s
                       for d in deep.itertuples())]  # fmt: skip
    measured = (
        f"{int(smallest['train_size'].iloc[0])} training images: deep "
        + ", ".join(f"{d.model} {d.train_time_s:.3f} s" for d in deep.itertuples())
        + f"; classical median {classical['train_time_s'].median():.3f} s"
        + (f"; not faster than every deep model: {', '.join(slow)}" if slow else "")
    )
    verdict = holds(cases, "classical model trains faster than deep model (pairs)")
    return c.answer("1.1-small-data-speed", measured, verdict, CLASSICAL)


def end_to_end(c: Context) -> Row | None:
    margins = _margins(c, "hog")
    if margins.empty:
        return None
    large = margins.iloc[-1]
    verdict = direction(large["classical"], large["deep"], "a<b", c.tol.accuracy,
                        ("best HOG + classical", "best deep"))  # fmt: skip
    measured = "at the largest size, " + _margin_text(margins.iloc[-1:], "HOG + classical")
    return c.answer("1.27-end-to-end", measured, verdict, CLASSICAL)


def small_data(c: Context) -> Row | None:
    """The deep edge over HOG features at the smallest size is below the edge at the largest
    (it shrinks) or below zero where there is no edge at the largest (it reverses)."""
    margins = _margins(c, "hog")
    if len(margins) < 2:
        return None
    small, large = margins["margin"].iloc[0], margins["margin"].iloc[-1]
    verdict = direction(
        small,
        max(large, 0.0),
        "a<b",
        c.tol.accuracy,
        ("deep edge over HOG at the smallest size", "max(edge at the largest, 0)"),
    )
    return c.answer("1.27-small-data", _margin_text(margins, "HOG"), verdict, CLASSICAL)


CHECKS = [decomposition, linear_underfits, big_net_overfits, tradeoff, profiles, depth, width,
          data_size, small_data_speed, end_to_end, small_data]  # fmt: skip
