"""Nodes: conv arithmetic (3.2, 3.4, 3.11, 3.19, 3.26) and CNN behaviour (2.22, 3.7, 3.9, 3.16)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.cnn import (
    first_layer_views,
    normalization_stability,
    pooling_invariance,
    relu_sparsity,
)
from dl_lab.diagnostics.config import CnnParams, ConvParams, FitParams
from dl_lab.diagnostics.conv import receptive_fields
from dl_lab.diagnostics.conv_check import (
    check_output_sizes,
    measured_receptive_field,
    stride_padding_costs,
)
from dl_lab.reporting.diagnostics.cnn import (
    plot_feature_maps,
    plot_normalization,
    plot_receptive_fields,
    plot_shift_accuracy,
    plot_stride_padding,
)
from dl_lab.training.loops import prepare_splits


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
    model_input: ModelInput, params: CnnParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, Figure]:
    """Max/avg/strided/no pooling: shift tolerance; feature maps and ReLU sparsity."""
    data = prepare_splits(model_input, params.train_size, seed)
    table, curves, models = pooling_invariance(
        params.pooling_variants, data, params.loop, params.shifts, seed, fit.thresholds
    )
    shown = next(iter(models))  # the first variant (max pooling by default)
    model = models[shown]
    classes = range(min(params.feature_map_images, data.num_classes))
    picks = [int((data.y_eval == c).nonzero()[0, 0]) for c in classes]  # one image per class
    images = data.x_eval[picks]
    sparsity = relu_sparsity(model, data.x_eval)
    views = first_layer_views(model, images)
    figure = plot_feature_maps(views, images, f"Conv1 filters and feature maps: {shown} CNN")
    return table, curves, sparsity, plot_shift_accuracy(curves), figure


def study_normalization(
    model_input: ModelInput, params: CnnParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, Figure]:
    """No norm vs LRN vs batch norm, trained with SGD at each learning rate."""
    data = prepare_splits(model_input, params.norm_train_size, seed)
    table, histories = normalization_stability(
        list(params.norms), params.norm_lrs, data, params.norm_loop, seed, fit.thresholds
    )
    return table, plot_normalization(histories)
