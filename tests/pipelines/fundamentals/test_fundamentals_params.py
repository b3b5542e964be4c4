"""Every shipped fundamentals parameter block validates; bad values fail with the key's name."""

from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf
from pydantic import ValidationError

from dl_lab.findings.fundamentals import FindingsParams
from dl_lab.fundamentals import config as p

CONF = Path(__file__).resolve().parents[3] / "conf"
MODELS = {
    "threshold_search": p.ThresholdSearchParams,
    "perceptron": p.PerceptronParams,
    "gradient_check": p.GradCheckParams,
    "two_layer": p.TwoLayerParams,
    "linear_collapse": p.LinearCollapseParams,
    "xor": p.XorParams,
    "learning_rates": p.LearningRateParams,
    "momentum": p.MomentumParams,
    "softmax": p.SoftmaxParams,
    "weight_penalties": p.WeightPenaltyParams,
    "activity_sparsity": p.SparsityParams,
    "depth": p.DepthParams,
    "hebbian": p.HebbianParams,
    "findings": FindingsParams,
}


def _blocks(env: str) -> dict:
    base = yaml.safe_load((CONF / "base" / "parameters_fundamentals.yml").read_text())
    if env == "base":
        return base["fundamentals"]
    test = yaml.safe_load((CONF / env / "parameters_fundamentals.yml").read_text())
    return OmegaConf.to_container(OmegaConf.merge(base, test))["fundamentals"]  # soft merge


@pytest.mark.parametrize("env", ["base", "test"])
def test_every_shipped_block_validates(env):
    blocks = _blocks(env)
    assert set(blocks) == set(MODELS)
    for name, block in blocks.items():
        MODELS[name](**block)


def test_unknown_names_fail_with_the_allowed_ones():
    with pytest.raises(
        ValidationError, match=r"activation\n.*unknown activation 'relux'; available"
    ):
        p.XorParams(activation="relux")
    bad = {
        "runs": [
            {
                "surface": "rosenbrock",
                "start": [0, 0],
                "tol": 1e-3,
                "max_steps": 5,
                "optimizers": [{"name": "adagrad", "lr": 0.1}],
            }
        ]
    }
    with pytest.raises(ValidationError, match=r"runs\.0\.optimizers\.0\.name\n.*available: adam"):
        p.MomentumParams(**bad)
    with pytest.raises(ValidationError, match="unknown weight penalty 'l3'"):
        p.PenaltySpec(name="l3", lam=0.1)


def test_out_of_range_and_unknown_keys_are_refused():
    with pytest.raises(ValidationError, match="lrr\n  Extra inputs are not permitted"):
        p.PerceptronParams(lrr=1.0)
    with pytest.raises(ValidationError, match="delta_lr"):
        p.HebbianParams(pattern_counts=[4], delta_lr=2.0)
    with pytest.raises(ValidationError, match="budgets must be a non-empty list of values >= 7"):
        p.DepthParams(budgets=[3])
    with pytest.raises(ValidationError, match="including 1"):
        p.DepthParams(budgets=[19], depths=[2, 3])
