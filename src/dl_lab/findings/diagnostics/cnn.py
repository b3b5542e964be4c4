"""Claims on conv arithmetic (3.2, 3.4, 3.11, 3.19, 3.26), pooling and ReLU maps (2.22, 3.7,
3.17, 3.22) and normalization (3.9, 3.16, 3.25)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dl_lab.course.rules import at_least, combine, holds, within
from dl_lab.findings.diagnostics.context import (
    SEED,
    Context,
    Row,
    compare,
    figure,
    first_seed,
    ms,
    table,
    values,
)

SIZES = [table("conv_sizes")]
STRIDE = [figure("stride_padding"), table("stride_padding")]
FIELDS = [figure("receptive_fields"), table("receptive_fields")]
SHIFTS = [figure("shift_accuracy"), table("shift_accuracy"), table("pooling")]
MAPS = [figure("feature_maps"), table("relu_sparsity")]
NORMS = [figure("normalization"), table("normalization")]


def _convs(c: Context) -> pd.DataFrame:
    """Undilated convolutions of the size grid that torch computes."""
    sizes = c["conv_sizes"]
    return sizes[(sizes["op"] == "conv") & (sizes["dilation"] == 1) & sizes["torch"].notna()]


def formula(c: Context) -> Row:
    convs = _convs(c)
    exact = convs[convs["exact_division"].astype(bool)]
    course = (exact["size"] - exact["kernel"] + 2 * exact["padding"]) / exact["stride"] + 1
    agree = course == exact["torch"]
    measured = f"(n - f + 2p)/s + 1 equals torch's output size in {agree.sum()} of {len(exact)} "
    measured += "undilated convolutions where the stride divides exactly"
    return c.answer("3.2-formula", measured, holds(list(agree), "course formula = torch"), SIZES)


def floor_formula(c: Context) -> Row:
    convs = _convs(c)
    course = (convs["size"] - convs["kernel"] + 2 * convs["padding"]) // convs["stride"] + 1
    agree = course == convs["torch"]
    measured = f"floor((n - f + 2p)/s) + 1 equals torch in {agree.sum()} of {len(convs)} "
    measured += "undilated convolutions (every stride)"
    return c.answer("3.4-floor", measured, holds(list(agree), "floor formula = torch"), SIZES)


def _stride_row(c: Context, padding: str, stride: int) -> pd.Series | None:
    costs = c["stride_padding"]
    rows = costs[(costs["padding"] == padding) & (costs["stride"] == stride)]
    return None if rows.empty else rows.iloc[0]


def examples(c: Context) -> Row | None:
    """The course's worked sizes, where the grid or the stride/padding sweep computed them."""
    cases, parts = [], []
    convs = _convs(c)
    for key, expected in c.value("3.4-examples").items():
        n, f, p, s = (int(v) for v in key.split(","))
        hit = convs[(convs["size"] == n) & (convs["kernel"] == f) & (convs["padding"] == p)
                    & (convs["stride"] == s)]  # fmt: skip
        torch_size = None if hit.empty else int(hit["torch"].iloc[0])
        if torch_size is None and (n, f) == (c.conv.input_size, c.conv.kernel):
            pad = {0: "valid", f // 2: "same"}.get(p)
            row = _stride_row(c, pad, s) if pad else None
            torch_size = None if row is None else int(row["output_size"])
        if torch_size is not None:
            cases.append(torch_size == expected)
            parts.append(f"n={n}, f={f}, p={p}, s={s}: {torch_size} (course {expected})")
    if not cases:
        return None
    measured = "; ".join(parts) + f" ({len(cases)} of {len(c.value('3.4-examples'))} examples run)"
    return c.answer("3.4-examples", measured, holds(cases, "worked sizes"), SIZES + STRIDE)


def valid_same(c: Context) -> Row | None:
    valid, same = _stride_row(c, "valid", 1), _stride_row(c, "same", 1)
    if valid is None or same is None:
        return None
    n = c.conv.input_size
    cases = [valid["output_size"] < n, same["output_size"] == n]
    measured = (f"{n}x{n} input, {c.conv.kernel}x{c.conv.kernel} kernel, stride 1: valid "
                f"{valid['output_size']}, same {same['output_size']}")  # fmt: skip
    return c.answer("3.2-valid-same", measured, holds(cases, "valid shrinks, same keeps"), STRIDE)


def stride(c: Context) -> Row | None:
    costs = c["stride_padding"]
    cases, parts = [], []
    for padding, part in costs.groupby("padding", sort=False):
        base = _stride_row(c, str(padding), 1)
        if base is None:
            continue
        for row in part[part["stride"] > 1].itertuples():
            cases += [row.output_size < base["output_size"], row.flops_torch < base["flops_torch"]]
            parts.append(f"{padding} stride {row.stride}: {row.output_size} px, "
                         f"{row.flops_torch / base['flops_torch']:.0%} of stride 1's FLOPs")  # fmt: skip
    if not cases:
        return None
    verdict = holds(cases, "larger strides give smaller maps and fewer FLOPs")
    return c.answer("3.2-stride", "; ".join(parts), verdict, STRIDE)


def sizes(c: Context) -> Row | None:
    """The course's case is a 5x5 kernel on 28x28; another geometry does not answer it."""
    if (c.conv.input_size, c.conv.kernel) != (28, 5):
        return None
    expected = c.value("3.19-sizes")
    rows = {name: _stride_row(c, "valid", s) for name, s in (("stride1", 1), ("stride2", 2))}
    if any(row is None for row in rows.values()):
        return None
    cases = [int(rows[name]["output_size"]) == expected[name] for name in rows]
    measured = ", ".join(f"{name}: {int(row['output_size'])}" for name, row in rows.items())
    return c.answer("3.19-sizes", f"valid 5x5 on 28x28, {measured}", holds(cases, "sizes"), STRIDE)


def same_padding(c: Context) -> Row:
    sizes_table = c["conv_sizes"]
    rows = _convs(c)
    rows = rows[(rows["stride"] == 1) & (rows["kernel"] % 2 == 1)
                & (rows["padding"] == rows["kernel"] // 2)]  # fmt: skip
    agree = rows["torch"] == rows["size"]
    measured = (f"padding floor(f/2) keeps the size at stride 1 in {agree.sum()} of {len(rows)} "
                f"cases (kernels {sorted(set(rows['kernel']))}, sizes "
                f"{sorted(set(sizes_table['size']))})")  # fmt: skip
    return c.answer("3.19-same", measured, holds(list(agree), "same padding"), SIZES)


def area(c: Context) -> Row | None:
    expected = c.value("3.19-area")
    verdicts, parts = [], []
    for padding in ("valid", "same"):
        one, two = _stride_row(c, padding, 1), _stride_row(c, padding, 2)
        if one is None or two is None:
            continue
        cut_area = 100 * (1 - two["output_area_fraction"] / one["output_area_fraction"])
        cut_flops = 100 * (1 - two["flops_torch"] / one["flops_torch"])
        verdicts += [  # output sizes and torch's FLOP count: arithmetic, the same on any seed
            within(cut_area, expected, c.tol.area_points, f"{padding}: area cut %", exact=True),
            within(cut_flops, expected, c.tol.area_points, f"{padding}: FLOPs cut %", exact=True),
        ]
        parts.append(f"{padding}: stride 2 cuts the output area by {cut_area:.1f}% and FLOPs by "
                     f"{cut_flops:.1f}%")  # fmt: skip
    if not verdicts:
        return None
    return c.answer("3.19-area", "; ".join(parts), combine(verdicts), STRIDE)


def resolution_table(c: Context) -> Row | None:
    same, valid = _stride_row(c, "same", 1), _stride_row(c, "valid", 1)
    costs = c["stride_padding"]
    strided = costs[costs["stride"] >= 2]
    if same is None or valid is None or strided.empty:
        return None
    n = c.conv.input_size
    cases = [same["output_size"] == n, same["flops_torch"] > valid["flops_torch"],
             valid["output_size"] < n]  # fmt: skip
    cases += [r.flops_torch < valid["flops_torch"] and r.output_size < valid["output_size"]
              for r in strided.itertuples()]  # fmt: skip
    measured = (f"same/1: {same['output_size']} px, {same['flops_torch']:,} FLOPs; valid/1: "
                f"{valid['output_size']} px, {valid['flops_torch']:,}; stride >= 2: "
                f"{strided['output_size'].min()}-{strided['output_size'].max()} px, at most "
                f"{strided['flops_torch'].max():,}")  # fmt: skip
    verdict = holds(cases, "resolution and cost ordered same/1 > valid/1 > stride >= 2")
    return c.answer("3.19-table", measured, verdict, STRIDE)


def _stack_end(c: Context, stack: str) -> pd.Series | None:
    fields = c["receptive_fields"]
    rows = fields[fields["stack"] == stack]
    return None if rows.empty else rows.iloc[-1]


def receptive(c: Context) -> Row | None:
    cases, parts = [], []
    for mixed, plain in c.cases.interleaved.items():
        a, b = _stack_end(c, mixed), _stack_end(c, plain)
        if a is None or b is None:
            continue
        cases += [a["receptive_field"] > b["receptive_field"], a["output_size"] < b["output_size"]]
        parts.append(f"{mixed}: receptive field {a['receptive_field']} px on a "
                     f"{a['output_size']}x{a['output_size']} map vs {plain}: "
                     f"{b['receptive_field']} px on {b['output_size']}x{b['output_size']} "
                     "(map size as the compute proxy)")  # fmt: skip
    if not cases:
        return None
    verdict = holds(cases, "interleaved: wider field, smaller maps")
    return c.answer("3.11-receptive", "; ".join(parts), verdict, FIELDS)


def _first_blocks(c: Context) -> pd.DataFrame:
    """The conv blocks of the trained (first-variant) CNN on its first seed: their shapes
    are the architecture's, the same on every seed."""
    return first_seed(c["relu_sparsity"]).sort_values("block").reset_index(drop=True)


def _blocks(c: Context) -> list[tuple[pd.Series, pd.Series]]:
    """Consecutive conv blocks of the trained (max-pooled) CNN."""
    blocks = _first_blocks(c)
    return [(blocks.iloc[i], blocks.iloc[i + 1]) for i in range(len(blocks) - 1)]


def _zeros(c: Context, block: int) -> np.ndarray:
    """The share of exact zeros after the ReLU of one block, one per seed."""
    return values(c["relu_sparsity"], "zero_fraction", block=block)


def _block_text(c: Context) -> str:
    return "; ".join(f"block {r.block}: {r.channels} x {r.height}x{r.width} maps, "
                     f"zeros {ms(_zeros(c, r.block))}" for r in _first_blocks(c).itertuples())  # fmt: skip


def growth(c: Context) -> Row | None:
    pairs = _blocks(c)
    if not pairs:
        return None
    cases = [b["channels"] > a["channels"] and b["height"] < a["height"] for a, b in pairs]
    fields = c["receptive_fields"]
    for _, stack in fields.groupby("stack", sort=False):
        cases += list(stack["receptive_field"].diff().dropna() > 0)
    measured = (_block_text(c) + f"; the receptive field grows at each of the "
                f"{len(fields) - fields['stack'].nunique()} later layers of the "
                f"{fields['stack'].nunique()} stacks checked")  # fmt: skip
    verdict = holds(cases, "more channels, smaller maps, wider receptive field per stage")
    return c.answer("3.26-growth", measured, verdict, MAPS + FIELDS)


def maps(c: Context) -> Row | None:
    """Deeper maps are smaller and more numerous (the architecture: exact) and sparser after
    the ReLU (trained: paired by seed)."""
    pairs = _blocks(c)
    if not pairs:
        return None
    shapes = [check for a, b in pairs
              for check in (b["height"] < a["height"], b["channels"] > a["channels"])]  # fmt: skip
    verdicts = [holds(shapes, "deeper maps smaller and more numerous")]
    verdicts += [compare(_zeros(c, a["block"]), _zeros(c, b["block"]), "a<b", 0.0,
                           (f"block {a['block']:.0f} zeros", f"block {b['block']:.0f}'s"))
                 for a, b in pairs]  # fmt: skip
    return c.answer("3.17-maps", _block_text(c), combine(verdicts), MAPS)


def real_maps(c: Context) -> Row:
    blocks = _first_blocks(c)["block"]
    verdict = combine([at_least(_zeros(c, block), c.limits.many_zeros, f"block {block} zeros")
                       for block in blocks])  # fmt: skip
    return c.answer("3.7-real-maps", _block_text(c), verdict, MAPS)


def _drops(c: Context) -> pd.DataFrame:
    """Per seed, variant and small shift (1 .. small_shift_px): accuracy at 0 minus at the
    shift."""
    curves = c["shift_accuracy"]
    keys = [k for k in (SEED, "variant") if k in curves]
    base = curves.loc[curves["shift_px"] == 0, [*keys, "accuracy"]]
    small = curves[(curves["shift_px"] > 0) & (curves["shift_px"] <= c.cases.small_shift_px)]
    small = small.merge(base.rename(columns={"accuracy": "at_zero"}), on=keys, how="left")
    return small.assign(drop=small["at_zero"] - small["accuracy"])


def _drop_text(drops: pd.DataFrame, variants: list[str]) -> str:
    part = drops[drops["variant"].isin(variants)]
    return "; ".join(f"{variant} at {shift} px: {ms(values(rows, 'drop'))}"
                     for (variant, shift), rows in part.groupby(["variant", "shift_px"], sort=False))  # fmt: skip


def shift(c: Context) -> Row | None:
    drops = _drops(c)
    unpooled = drops[drops["variant"] == c.cases.unpooled]
    shifts = sorted(set(unpooled["shift_px"]))
    pooled = [v for v in c.cases.pooled if v in set(drops["variant"])]
    verdicts = [
        compare(values(drops, "drop", variant=v, shift_px=s),
                  values(unpooled, "drop", shift_px=s), "a<b", c.tol.accuracy,
                  (f"{v} accuracy drop at {s} px", c.cases.unpooled))
        for v in pooled for s in shifts
    ]  # fmt: skip
    if not verdicts:
        return None
    measured = (
        "val accuracy lost when the images shift, "
        + _drop_text(drops, [*c.cases.pooled, c.cases.unpooled])
        + "; noise not measured"
    )
    return c.answer("2.22-shift", measured, combine(verdicts), SHIFTS)


def small_shift(c: Context) -> Row | None:
    drops = _drops(c)
    pooled = drops[drops["variant"].isin(c.cases.pooled)]
    if pooled.empty:
        return None
    verdict = combine([within(values(rows, "drop"), 0.0, c.tol.accuracy, f"{v} drop at {s} px")
                       for (v, s), rows in pooled.groupby(["variant", "shift_px"], sort=False)])  # fmt: skip
    measured = "val accuracy lost when the images shift, " + _drop_text(drops, c.cases.pooled)
    return c.answer("3.22-shift", measured, verdict, SHIFTS)


def pooling_params(c: Context) -> Row | None:
    """Parameter counts: the architecture's, the same on every seed (the first's are read)."""
    counts = first_seed(c["pooling"]).set_index("variant")["params"]
    pooled = [v for v in c.cases.pooled if v in counts.index]
    if not pooled or c.cases.unpooled not in counts.index:
        return None
    unpooled = counts[c.cases.unpooled]
    cases = [counts[v] == counts[pooled[0]] for v in pooled] + [
        counts[v] < unpooled for v in pooled
    ]
    measured = (", ".join(f"{v} {counts[v]:,}" for v in pooled) + f" vs {c.cases.unpooled} "
                f"{unpooled:,} parameters: the kind of pooling adds none, the smaller maps "
                "shrink the dense layer")  # fmt: skip
    verdict = holds(cases, "pooling adds no parameters and shrinks the downstream layer")
    return c.answer("2.22-params", measured, verdict, [table("pooling")])


def _norm(c: Context, norm: str, lr: float, column: str) -> np.ndarray:
    """``column`` of one normalization at one learning rate, one per seed."""
    return values(c["normalization"], column, norm=norm, lr=lr)


def _lrs(c: Context, *norms: str) -> list[float]:
    """The learning rates every one of ``norms`` was trained at."""
    frame = c["normalization"]
    return sorted(set.intersection(*(set(frame.loc[frame["norm"] == n, "lr"]) for n in norms)))


def _loss_text(c: Context, norms: tuple[str, ...]) -> str:
    return "; ".join(f"lr {lr:g}: " + ", ".join(
        f"{n} loss {ms(_norm(c, n, lr, 'final_train_loss'))} "
        f"({ms(_norm(c, n, lr, 'train_time_s'))} s)" for n in norms)
        for lr in _lrs(c, *norms))  # fmt: skip


def _beats(c: Context, better: str, worse: str) -> list:
    """Per learning rate where both stayed finite on every seed: ``better``'s final training
    loss below ``worse``'s, paired by seed."""
    verdicts = []
    for lr in _lrs(c, better, worse):
        a = _norm(c, better, lr, "final_train_loss")
        b = _norm(c, worse, lr, "final_train_loss")
        if np.isfinite(a).all() and np.isfinite(b).all():
            verdicts.append(compare(a, b, "a<b", c.tol.train_loss,
                                      (f"lr {lr:g}: {better} train loss", worse)))  # fmt: skip
    return verdicts


def bn_vs_lrn(c: Context) -> Row | None:
    verdicts = _beats(c, "batch", "lrn")
    if not verdicts:
        return None
    measured = _loss_text(c, ("lrn", "batch")) + " (same epochs, SGD)"
    return c.answer("3.9-vs-bn", measured, combine(verdicts), NORMS)


def bn_better(c: Context) -> Row | None:
    verdicts = _beats(c, "batch", "lrn") + _beats(c, "batch", "none")
    if not verdicts:
        return None
    measured = _loss_text(c, ("none", "lrn", "batch")) + "; sensitivity to init not measured"
    return c.answer("3.16-bn-better", measured, combine(verdicts), NORMS)


def lrn_cost(c: Context) -> Row | None:
    lrs = _lrs(c, "lrn", "none")
    if not lrs:
        return None
    slower = [at_least(_norm(c, "lrn", lr, "train_time_s") / _norm(c, "none", lr, "train_time_s"),
                       1 + c.tol.slower_by, f"lr {lr:g}: lrn / none training time")
              for lr in lrs]  # fmt: skip
    verdicts = slower + _beats(c, "batch", "lrn")
    measured = _loss_text(c, ("none", "lrn", "batch")) + " (same epochs)"
    return c.answer("3.25-cost", measured, combine(verdicts), NORMS)


CHECKS = [formula, floor_formula, examples, valid_same, stride, sizes, same_padding, area,
          resolution_table, receptive, growth, maps, real_maps, shift, small_shift,
          pooling_params, bn_vs_lrn, bn_better, lrn_cost]  # fmt: skip
