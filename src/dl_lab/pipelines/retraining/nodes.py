"""Nodes of the retraining pipeline: choose, validate, train and register, compare and promote."""

from __future__ import annotations

from typing import Any

import torch
from pydantic import ValidationError

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.errors import DataFileError, validation_lines
from dl_lab.lifecycle.champion import Decision, compare_and_promote
from dl_lab.lifecycle.incoming import validate_incoming, with_incoming
from dl_lab.lifecycle.serving import predict_proba, score
from dl_lab.pipelines.retraining.params import RetrainingParams
from dl_lab.training.config import VariantSpec
from dl_lab.training.fit import fit, inference_model

PIPELINE = "retraining"
BEST_PARAMS = "tuning_best_params (the tuning study's best_params.yml)"


def choose_challenger_config(
    best_params: dict[str, Any] | None, retraining: RetrainingParams
) -> dict[str, Any]:
    """The study's best configuration if there is one, else the fallback in parameters.

    A stale or edited best_params.yml fails here, naming what in it is wrong, before any
    training.
    """
    if best_params is None:
        variant = retraining.challenger.variant.model_dump(mode="json")
        return {
            "source": "parameters",
            "variant": variant,
            "batch_size": retraining.challenger.batch_size,
        }
    try:
        source = f"study:{best_params['study']}#trial{best_params['trial']}"
        variant, batch_size = best_params["variant"], best_params["batch_size"]
        VariantSpec(**variant)
    except KeyError as err:
        raise DataFileError(
            f"{BEST_PARAMS}: no {err} key; retune (kedro run --pipelines tuning)"
        ) from None
    except ValidationError as err:
        problems = "\n".join(f"  - {line}" for line in validation_lines("variant", err))
        raise DataFileError(
            f"{BEST_PARAMS} is not a configuration retraining can train (fix it, delete it "
            f"to train retraining.challenger, or retune):\n{problems}"
        ) from None
    return {"source": source, "variant": variant, "batch_size": batch_size}


def validate_incoming_data(
    incoming_images: dict[str, Any], model_input: ModelInput, retraining: RetrainingParams
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """New labelled images from data/01_raw/incoming, checked like ingest, scaled to [0, 1]."""
    return validate_incoming(incoming_images, model_input, retraining.incoming_pixel_max)


def train_challenger(
    model_input: ModelInput,
    incoming: dict[str, torch.Tensor],
    incoming_summary: dict[str, Any],
    config: dict[str, Any],
    retraining: RetrainingParams,
    seed: int,
) -> dict[str, Any]:
    """Train the challenger on train (+ new data), log it and register a new model version."""
    variant = VariantSpec(**config["variant"])
    trainer = retraining.trainer.override(batch_size=config["batch_size"])
    identity = tracking.RunIdentity(PIPELINE, PIPELINE, retraining.model_name, seed).with_tags(
        role="challenger",
        config_source=config["source"],
        incoming_samples=incoming_summary["samples"],
    )
    result = fit(with_incoming(model_input, incoming), variant, trainer, identity)
    tags = identity.for_data(model_input).with_tags(
        architecture=variant.architecture, regularizer=variant.regularizer
    )
    model = inference_model(result.module)
    model_uri = tracking.log_torch_model(result.run_id, model, model_input.x_test[:8])
    version = tracking.register_model(model_uri, retraining.model_name, tags.tags())
    fitted = {"run_id": result.run_id, "model_uri": model_uri, "version": version}
    return {**tags.tags(), **fitted, "best_val_acc": result.summary.get("best_val_acc")}


def promote_if_better(
    challenger: dict[str, Any], model_input: ModelInput, retraining: RetrainingParams
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """Score challenger and champion on the frozen test split; promote by the margin."""
    x_test, y_test = model_input.x_test, model_input.y_test.numpy()

    def evaluate(model_uri: str) -> dict[str, float]:
        return score(predict_proba(tracking.load_torch_model(model_uri), x_test), y_test)

    context = {key: challenger[key] for key in ("run_id", "config_source", "data_fingerprint")}
    context["incoming_samples"] = int(challenger["incoming_samples"])  # a tag: a string
    decision = compare_and_promote(
        retraining.model_name,
        retraining.alias,
        challenger["version"],
        evaluate,
        retraining.metric,
        retraining.min_improvement,
        retraining.lock_path,
        retraining.lock_timeout_s,
        retraining.audit_path,
        context,
    )
    _tag_decision(decision, challenger["run_id"])
    metrics = {f"challenger_{decision.metric}": decision.challenger_value}
    metrics["promoted"] = decision.promoted
    if decision.champion_value is not None:
        metrics[f"champion_{decision.metric}"] = decision.champion_value
    record = {**vars(decision), **context}
    return record, tracking.metric_values(metrics)


def _tag_decision(decision: Decision, challenger_run_id: str) -> None:
    """The decision as tags of the ``kedro run`` and of the challenger's training run."""
    outcome = {
        "decision": "promoted" if decision.promoted else "kept_champion",
        "decision_reason": decision.reason,
        "challenger_version": decision.challenger_version,
        "champion_version": decision.champion_after,
    }
    tracking.set_tags(outcome)
    with tracking.resume_run(challenger_run_id):
        tracking.set_tags(outcome)
