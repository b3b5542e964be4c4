"""Nodes: conv arithmetic (3.2, 3.4, 3.11, 3.19, 3.26) and CNN behaviour (2.22, 3.7, 3.9, 3.16)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.cnn import normalization_stability, pooling_invariance
from dl_lab.diagnostics.config import CnnParams, ConvParams, FitParams, Seeds
from dl_lab.diagnostics.conv import receptive_fields
from dl_lab.diagnostics.conv_check import (
    check_output_sizes,
    measured_receptive_field,
    stride_padding_costs,
)
from dl_lab.diagnostics.jobs import first_seed, mean_over_seeds, seeded_splits
from dl_lab.reporting.diagnostics.cnn import (
    plot_feature_maps,
    plot_normalization,
    plot_receptive_fields,
    plot_shift_accuracy,
    plot_stride_padding,
)


def check_conv_arithmetic(
    params: ConvParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, Figure, dict]:
    """Output sizes vs torch, receptive fields (formula and autograd), stride/padding cost."""
    sizes = check_output_sizes(params.grid)
    fields = []
    for stack, layers in params.stacks.items():
        table = receptive_fields(layers, params.input_size).assign(stack=stack)
        table["receptive_field_autograd"] = [
            measured_receptive_field(layers[: i + 1], params.input_size * 4)
            for i in range(len(layers))
        ]
        fields.append(table)
    fields_table = pd.concat(fields, ignore_index=True)
    costs = stride_padding_costs(
        params.input_size, params.kernel, params.channels, tuple(params.strides),
        params.batch, params.repeats, seed,
    )  # fmt: skip
    agree = sizes["outcome"].isin(["equal", "both_refuse"])
    summary = {
        "conv_size_cases": len(sizes), "conv_size_agreement": float(agree.mean()),
        "conv_impossible_cases": int(sizes["formula"].isna().sum()),
        "receptive_field_agreement": float(
            (fields_table["receptive_field"] == fields_table["receptive_field_autograd"]).mean()
        ),
    }  # fmt: skip
    return (sizes, fields_table, costs, plot_receptive_fields(fields_table),
            plot_stride_padding(costs), tracking.metric_values(summary))  # fmt: skip


def study_pooling(
    model_input: ModelInput, params: CnnParams, fit: FitParams, seeds: Seeds
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, Figure]:
    """Max/avg/strided/no pooling on each seed: shift tolerance; feature maps and ReLU
    sparsity of the first variant (the maps shown: its first seed's)."""
    data = seeded_splits(model_input, params.train_size, list(seeds))
    first = data[next(iter(data))]
    classes = range(min(params.feature_map_images, first.num_classes))
    picks = [int((first.y_eval == c).nonzero()[0, 0]) for c in classes]  # one image per class
    images = first.x_eval[picks]
    table, curves, sparsity, views = pooling_invariance(
        params.pooling_variants, data, params.loop, params.shifts, fit.thresholds, images
    )
    shown = next(iter(params.pooling_variants))  # the first variant (max pooling by default)
    figure = plot_feature_maps(views, images, f"Conv1 filters and feature maps: {shown} CNN")
    mean = mean_over_seeds(curves, ["variant", "shift_px"])
    return table, curves, sparsity, plot_shift_accuracy(mean), figure


def study_normalization(
    model_input: ModelInput, params: CnnParams, fit: FitParams, seeds: Seeds
) -> tuple[pd.DataFrame, Figure]:
    """No norm vs LRN vs batch norm, trained with SGD at each learning rate, on each seed."""
    data = seeded_splits(model_input, params.norm_train_size, list(seeds))
    table, histories = normalization_stability(
        list(params.norms), params.norm_lrs, data, params.norm_loop, fit.thresholds
    )
    return table, plot_normalization(first_seed(histories))
