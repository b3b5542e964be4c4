"""Bad parameters in every pipeline, through `kedro run` as a user types it.

Each run stops before its first node with one message that names the key and what is
allowed, exits with status 2, and leaves data/ and mlflow.db exactly as they were: no
MLflow run is opened (``refused``, in conftest.py).
"""

from __future__ import annotations

import pytest

case = pytest.mark.kedro_case
MAX_SEED = "4294967295"


# -- shared parameters (conf/base/parameters.yml), checked before any pipeline runs -------


@case(
    "--pipelines",
    "data_processing",
    "--params",
    "seed=abc,data_processing.augmentation.noise_std=0.2",
)
def test_a_seed_that_is_not_a_number_changes_nothing(refused):
    # Before the fix the spec (the first node) was rewritten with the new noise, and the
    # run failed in scikit-learn's splitter.
    refused("seed", f"[0, {MAX_SEED}]", "'abc'")


@case("--pipelines", "fundamentals", "--params", "seed=-3")
def test_a_negative_seed(refused):
    refused("seed", f"[0, {MAX_SEED}]", "-3")  # was a NumPy error after 4 nodes had run


@case("--pipelines", "rl", conf={"rl_budget": {"seeds": [42, -1]}})
def test_a_negative_seed_in_the_rl_seed_list(refused):
    refused("rl_budget.seeds.1", f"[0, {MAX_SEED}]")


@case("--pipelines", "fundamentals", "--params", "fundamental.xor.epochs=3")
def test_a_misspelt_top_level_key_is_not_ignored(refused):
    refused("fundamental", "fundamentals")  # the run used to succeed, ignoring it


@case("--pipelines", "vision", "--params", "vision.traner.max_epochs=1")
def test_a_misspelt_block_of_a_pipeline_is_not_ignored(refused):
    refused("vision.traner", "trainer")


@case("--pipelines", "visoin")
def test_an_unknown_pipeline(refused):
    refused("visoin", "available", "data_processing", "vision")


# -- data_processing ----------------------------------------------------------------------


@case("--pipelines", "data_processing", "--params", "data_processing.ingest.dataset=mnist_6k")
def test_an_unknown_data_set(refused):
    refused("data_processing.ingest.dataset", "mnist_6k", "mnist_5k", "fashion_mnist")


@case(
    "--pipelines",
    "data_processing",
    conf={"data_processing": {"split": {"ratios": [0.7, 0.2, 0.2]}}},
)
def test_split_ratios_that_do_not_sum_to_one(refused):
    refused("data_processing.split.ratios", "must sum to 1", "1.1")


# -- vision -------------------------------------------------------------------------------

MLP = "vision.studies.architectures.mlp_shallow"


@case("--pipelines", "vision", "--params", f"{MLP}.architecture=mlpx")
def test_an_unknown_architecture(refused):
    refused(f"{MLP}.architecture", "'mlpx'", "lenet5", "resnet")


@case(
    "--pipelines",
    "vision",
    conf={"vision": {"studies": {"regularizers": {"mlp_l1": {"regularizers": {"l3": {}}}}}}},
)
def test_an_unknown_regularizer(refused):
    refused("vision.studies.regularizers", "mlp_l1", "'l3'", "elastic_net", "dropout")


@case("--pipelines", "vision", "--params", f"{MLP}.modle.depth=2")
def test_a_misspelt_option_of_a_variant(refused):
    refused(f"{MLP}.modle", "allowed:", "model", "optimizer")


@case(
    "--pipelines",
    "vision",
    conf={"vision": {"studies": {"architectures": {"mlp_wide": {"architecture": "mlp"}}}}},
)
def test_a_variant_outside_conf_base_is_not_silently_skipped(refused):
    # Variants are read from conf/base when the pipeline is built: this one would not run.
    refused("vision.studies.architectures.mlp_wide", "conf/base")


# -- tuning -------------------------------------------------------------------------------


@case("--pipelines", "tuning", "--params", "tuning.storage.url=redis://localhost/0")
def test_a_storage_url_with_an_unknown_scheme(refused):
    refused("tuning.storage.url", "redis://localhost/0", "sqlite:///", "postgresql", "journal:")


# -- retraining and inference -------------------------------------------------------------


@case("--pipelines", "retraining", "--params", "retraining.metric=test_auc")
def test_an_unknown_promotion_metric(refused):
    refused("retraining.metric", "test_acc", "test_f1_macro")


@case("--pipelines", "inference", "--params", "inference.source=camera")
def test_an_unknown_inference_source(refused):
    refused("inference.source", "test_split", "files")


# -- diagnostics and rl (fundamentals: the seed above; reporting: test_bad_files.py) ------


@case("--pipelines", "diagnostics", "--params", "diagnostics.cnn.train_size=many")
def test_a_diagnostics_size_that_is_not_a_number(refused):
    refused("diagnostics.cnn.train_size", "valid integer", "'many'")


@case("--pipelines", "rl", "--params", "rl.dqn.algorithm=ppo")
def test_an_unknown_agent(refused):
    refused("rl.dqn.algorithm", "'ppo'", "dqn", "reinforce", "q_learning")


@case("--pipelines", "rl", "--params", "rl.dqn.env_id=CartPole-v9")
def test_an_unknown_environment_id(refused):
    refused("rl.dqn.env_id", "'CartPole-v9'", "CartPole-v1", "dl_lab/GridWorld-v0")


@case("--pipelines", "rl", conf={"rl": {"dqn": {"variants": {"double_dqn": {"doubel": True}}}}})
def test_a_misspelt_option_of_an_agent_variant(refused):
    refused("rl.dqn", "double_dqn", "doubel")
