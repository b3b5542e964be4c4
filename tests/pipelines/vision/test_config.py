"""Every shipped vision configuration validates and builds, in every environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from kedro.config import OmegaConfigLoader

from dl_lab.models import build_model
from dl_lab.pipelines._kit import variant_runs
from dl_lab.pipelines.vision.params import ReportConfig, check_findings
from dl_lab.training.config import TrainerConfig, VariantSpec

CONF = Path(__file__).resolve().parents[3] / "conf"


def _vision(env: str) -> dict:
    loader = OmegaConfigLoader(
        str(CONF),
        base_env="base",
        default_run_env=env,
        merge_strategy={"parameters": "soft"},
    )
    return loader["parameters"]["vision"]


@pytest.mark.parametrize("env", ["base", "test", "full"])
def test_every_variant_validates_and_builds(env):
    if not (CONF / env).is_dir():
        pytest.skip(f"conf/{env} is absent")
    vision = _vision(env)
    TrainerConfig(**vision["trainer"])
    report = ReportConfig(**vision["report"])
    studies = _vision("base")["studies"]  # the pipeline's lists come from conf/base
    assert report.regularizer_study in studies
    check_findings(vision["findings"], variant_runs(studies, default_seed=42))
    for study, variants in vision["studies"].items():  # an env may not invent variants
        assert study in studies and set(variants) <= set(studies[study]), study
    for study, variants in studies.items():
        for name in variants:
            variant = VariantSpec(**vision["studies"][study][name])
            model = build_model(
                variant.architecture,
                in_channels=1,
                num_classes=10,
                image_size=(28, 28),
                **variant.model,
            )
            assert model.eval()(torch.zeros(2, 1, 28, 28)).shape == (2, 10), f"{study}.{name}"


def test_the_regularizer_study_covers_the_courses_regularizers_for_both_networks():
    vision = _vision("base")
    labels: dict[str, set[str]] = {}
    for raw in vision["studies"]["regularizers"].values():
        variant = VariantSpec(**raw)
        labels.setdefault(variant.architecture, set()).add(variant.regularizer)
        assert variant.train_samples and variant.train_samples <= 1000  # a set-up that overfits
    expected = {"none", *vision["findings"]["gap_regularizers"]}
    assert labels == {"mlp": expected, "lenet5": expected}


def test_every_variant_a_verdict_reads_has_at_least_three_seeds():
    for study, variants in _vision("base")["studies"].items():
        for name, raw in variants.items():
            assert len(VariantSpec(**raw).seeds) >= 3, f"{study}.{name}"


def test_shallow_vs_deep_has_at_least_five_paired_seeds():
    studies = _vision("base")["studies"]["shallow_vs_deep"]
    seeds = {name: spec["seeds"] for name, spec in studies.items()}
    assert seeds["shallow"] == seeds["deep"] and len(seeds["shallow"]) >= 5


def test_test_env_shrinks_epochs_for_every_variant():
    vision = _vision("test")
    trainer = TrainerConfig(**vision["trainer"])
    for study, variants in _vision("base")["studies"].items():
        for name in variants:
            raw = _vision("base")["studies"][study][name]
            variant = VariantSpec(
                **{**raw, **vision.get("studies", {}).get(study, {}).get(name, {})}
            )
            assert variant.trainer_config(trainer).max_epochs <= 2, f"{study}.{name}"
