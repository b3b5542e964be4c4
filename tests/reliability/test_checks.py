"""The checks behind the refusals, called directly: cheap cases, and the edges of each rule.

How `kedro run` prints bad input (``dl_lab.cli``), the strict parameter base, the seed
type, the check of unread keys, and the checks of data files and their content.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from kedro.io import DatasetError
from kedro.validation.exceptions import ParameterValidationError
from kedro.validation.parameter_validator import ParameterValidator
from pydantic import ValidationError

from dl_lab import errors
from dl_lab.cli import parameter_problems, user_message
from dl_lab.config import MAX_SEED, Seed, StrictModel
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.datasets import ImageBatchDataset, ModelInputDataset, TorchDataset
from dl_lab.lifecycle.incoming import validate_incoming
from dl_lab.lifecycle.serving import InputShapeError
from dl_lab.pipelines._preflight import SharedParameters, check_shared, runs_not_built, unread_keys
from dl_lab.pipelines.data_processing.pipeline import create_pipeline
from dl_lab.pipelines.inference.nodes import NoChampionError
from dl_lab.pipelines.retraining.nodes import choose_challenger_config
from dl_lab.pipelines.retraining.params import RetrainingParams
from dl_lab.reporting.report import read_findings

# -- how a refusal is printed -------------------------------------------------------------


def _kedro_validation_error(**ingest) -> Exception:
    """What Kedro raises for a bad ``data_processing.ingest`` block (its own text)."""
    raw = {"seed": 1, "data_processing": {"ingest": ingest, "split": {}, "augmentation": {}}}
    with pytest.raises(Exception) as caught:
        ParameterValidator({"p": create_pipeline()}).validate_raw_params(raw)
    return caught.value


def test_kedro_validation_text_becomes_one_line_per_key():
    err = _kedro_validation_error(dataset="mnist_6k", limit=3, bogus=1)
    assert parameter_problems(str(err)) == [
        "data_processing.ingest.dataset: unknown dataset 'mnist_6k'; available: cifar10, "
        "digits, fashion_mnist, mnist, mnist_5k",
        "data_processing.ingest.limit: Input should be greater than or equal to 20 (got 3)",
        "data_processing.ingest.bogus: Extra inputs are not permitted; allowed: dataset, root, "
        "download, limit (got 1)",
    ]
    assert user_message(err).startswith("bad parameters:\n  - data_processing.ingest.dataset")


def test_text_in_another_form_is_kept():
    assert parameter_problems("- Parameter 'a.b': value is None but type is not Optional") == [
        "a.b: value is None but type is not Optional"
    ]


def test_a_bug_is_not_bad_input_and_a_user_error_is_found_behind_kedro():
    assert user_message(RuntimeError("a bug")) is None
    assert user_message(KeyError("x")) is None
    try:
        try:
            raise errors.DataFileError("data/x.pt is not a readable torch file")
        except errors.DataFileError as inner:
            raise DatasetError("Failed while loading data from dataset x") from inner
    except DatasetError as outer:
        assert user_message(outer) == "data/x.pt is not a readable torch file"


def test_node_errors_about_user_input_are_user_errors():
    for kind in (InputShapeError, NoChampionError, errors.MissingFileError, errors.ConfigError):
        assert issubclass(kind, errors.UserInputError)
    assert issubclass(NoChampionError, LookupError)  # what callers caught before still works
    assert issubclass(errors.MissingFileError, FileNotFoundError)


# The same validation `kedro run` applies before its first node (Kedro's own, of the node
# parameters typed with a model), in process: one kedro run of each kind is in
# test_bad_parameters.py, these add the other kinds of mistake in every pipeline.
MLP = {"vision": {"studies": {"architectures": {"mlp_shallow": {"optimizer": {"name": "adamx"}}}}}}
BAD_BLOCKS = {
    "subsample below its minimum": (
        "data_processing",
        {"data_processing": {"ingest": {"limit": 5}}},
        ["data_processing.ingest.limit", "greater than or equal to 20", "(got 5)"],
    ),
    "unknown optimizer": (
        "vision",
        MLP,
        ["vision.studies.architectures", "mlp_shallow.optimizer.name", "'adamx'", "sgd"],
    ),
    "a word for a number": (
        "vision",
        {"vision": {"trainer": {"max_epochs": "two"}}},
        ["vision.trainer.max_epochs", "valid integer", "'two'"],
    ),
    "unknown sampler": (
        "tuning",
        {"tuning": {"sampler": {"name": "bayes"}}},
        ["tuning.sampler.name", "'bayes'", "tpe", "random", "grid"],
    ),
    "a study of no trials": (
        "tuning",
        {"tuning": {"n_trials": 0}},
        ["tuning.n_trials", "greater than or equal to 1"],
    ),
    "unknown activation": (
        "diagnostics",
        {"diagnostics": {"activations": {"names": ["relu", "swishy"]}}},
        ["diagnostics.activations.names", "'swishy'", "gelu", "sigmoid"],
    ),
    "no random restarts": (
        "fundamentals",
        {"fundamentals": {"xor": {"n_seeds": 0}}},
        ["fundamentals.xor.n_seeds", "greater than 0"],
    ),
    "a comparison without its tags": (
        "reporting",
        {"reporting": {"comparisons": [{"title": "no tags", "metrics": ["test_acc"]}]}},
        ["reporting.comparisons.0.tags", "Field required"],
    ),
}


@pytest.mark.parametrize(("pipeline", "overrides", "named"), BAD_BLOCKS.values(), ids=BAD_BLOCKS)
def test_a_bad_block_is_refused_naming_its_key(parameters, pipeline, overrides, named):
    module = importlib.import_module(f"dl_lab.pipelines.{pipeline}.pipeline")
    validator = ParameterValidator({pipeline: module.create_pipeline()})
    with pytest.raises(ParameterValidationError) as caught:
        validator.validate_raw_params(parameters("test", overrides))
    message = user_message(caught.value)
    for text in named:
        assert text in message, message


# -- the strict base and the seed ---------------------------------------------------------


class _Inner(StrictModel):
    width: int = 1


class _Outer(StrictModel):
    inner: _Inner = _Inner()
    depth: int = 1


def test_an_unknown_key_names_the_keys_its_block_allows():
    with pytest.raises(ValidationError) as caught:
        _Outer.model_validate({"inner": {"widht": 2}, "deptj": 3})
    messages = {".".join(map(str, e["loc"])): e["msg"] for e in caught.value.errors()}
    assert messages == {
        "inner.widht": "Extra inputs are not permitted; allowed: width",
        "deptj": "Extra inputs are not permitted; allowed: inner, depth",
    }


@pytest.mark.parametrize("seed", [0, 42, MAX_SEED])
def test_seeds_in_range_pass(seed):
    assert SharedParameters(seed=seed).seed == seed


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 1.5, 7.0, "7", True, None])
def test_anything_else_is_not_a_seed(seed):
    with pytest.raises(
        errors.ConfigError, match=rf"seed: a seed is a whole number in \[0, {MAX_SEED}\]"
    ):
        check_shared({"seed": seed})


def test_seed_lists_use_the_same_rule():
    class Runs(StrictModel):
        seeds: list[Seed]

    with pytest.raises(ValidationError, match="seeds.1"):
        Runs(seeds=[1, -2])


# -- keys that nothing reads --------------------------------------------------------------

READ = {"seed", "vision.trainer", "vision.studies.a.x", "diagnostics.threads"}
TOP = {"seed", "vision", "diagnostics", "rl"}


def test_every_key_read_or_on_the_way_to_one_passes():
    parameters = {
        "seed": 1,
        "vision": {"trainer": {"anything": "its model checks"}, "studies": {"a": {"x": {}}}},
        "diagnostics": {"threads": 1},
        "rl": {"whatever": 1},  # another pipeline's block: checked when that one runs
    }
    assert unread_keys(parameters, READ, TOP) == []


def test_unread_keys_are_named_with_what_their_block_has():
    parameters = {
        "seed": 1,
        "sed": 2,
        "vision": {"traner": {}, "studies": {"a": {"x": {}, "y": {}}}},
        "diagnostics": {"threads": 1, "thread": 2},
    }
    assert unread_keys(parameters, READ, TOP) == [
        "diagnostics.thread (keys read under diagnostics: threads)",
        "sed (top-level keys: diagnostics, rl, seed, vision)",
        "vision.studies.a.y (keys read under vision.studies.a: x)",
        "vision.traner (keys read under vision: studies, trainer)",
    ]


# -- files and their content --------------------------------------------------------------


def test_a_missing_torch_file_says_which_pipeline_writes_it(tmp_path):
    dataset = TorchDataset(str(tmp_path / "model_input.pt"), produced_by="data_processing")
    with pytest.raises(
        errors.MissingFileError,
        match=r"model_input.pt does not exist; run `kedro run --pipelines data_processing`",
    ):
        dataset.check_before_run()


def test_a_torch_file_is_checked_by_its_index_alone(tmp_path):
    path = tmp_path / "model_input.pt"
    ModelInputDataset(str(path)).save(synthetic_bundle(sizes=(4, 4, 4), classes=2))
    ModelInputDataset(str(path)).check_before_run()  # a whole file passes
    path.write_bytes(path.read_bytes()[:-200])  # its index (at the end) is gone
    with pytest.raises(errors.DataFileError, match="not a readable torch file"):
        ModelInputDataset(str(path)).check_before_run()
    with pytest.raises(DatasetError, match="not a readable torch file"):
        ModelInputDataset(str(path)).load()


def test_a_damaged_npz_is_named(tmp_path):
    (tmp_path / "good.npz").write_bytes(b"")
    np.savez(tmp_path / "good.npz", images=np.zeros((1, 4, 4)), labels=np.array([0]))
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(errors.DataFileError, match=r"bad.npz is not readable .*accepted: .npy"):
        ImageBatchDataset(str(tmp_path)).check_before_run()


def test_an_empty_or_missing_folder_is_no_new_data(tmp_path):
    ImageBatchDataset(str(tmp_path / "absent")).check_before_run()
    assert ImageBatchDataset(str(tmp_path)).load()["images"] is None


def test_incoming_images_of_another_shape_are_refused():
    data = synthetic_bundle(sizes=(8, 4, 4), classes=2)  # (1, 8, 8) images
    batch = {
        "images": np.zeros((2, 1, 5, 5), np.float32),
        "labels": np.array([0, 1]),
        "names": ["new.npz#0", "new.npz#1"],
        "path": "data/01_raw/incoming",
    }
    with pytest.raises(
        errors.DataFileError, match=r"incoming: images are \(1, 5, 5\), the data set \(1, 8, 8\)"
    ):
        validate_incoming(batch, data, 255.0)


def test_incoming_labels_outside_the_classes_are_refused():
    data = synthetic_bundle(sizes=(8, 4, 4), classes=2)
    shape = tuple(data.sample_shape)
    batch = {
        "images": np.zeros((2, *shape), np.float32),
        "labels": np.array([0, 5]),
        "names": ["new.npz#0", "new.npz#1"],
        "path": "data/01_raw/incoming",
    }
    with pytest.raises(errors.DataFileError, match=r"labels \[5\] are not class indices 0..1"):
        validate_incoming(batch, data, 255.0)


def test_a_best_configuration_without_its_keys(parameters):
    retraining = RetrainingParams.model_validate(parameters()["retraining"])
    with pytest.raises(errors.DataFileError, match="tuning_best_params .*no 'variant' key"):
        choose_challenger_config({"study": "s", "trial": 1, "batch_size": 8}, retraining)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00garbage", "findings/vision.csv is not a readable CSV"),
        (b"question,verdict\n1.4,reproduced\n", r"findings/vision.csv lacks the columns \["),
    ],
)
def test_a_damaged_findings_table_is_named(content, message):
    with pytest.raises(errors.DataFileError, match=message):
        read_findings({"vision.csv": lambda: content})


def test_torch_tensors_round_trip_through_the_checked_dataset(tmp_path):
    dataset = TorchDataset(str(tmp_path / "w.pt"))
    dataset.save({"w": torch.arange(3)})
    dataset.check_before_run()
    assert torch.equal(dataset.load()["w"], torch.arange(3))


BUILT = {"vision.studies": {"a": {"x": [42], "y": [0, 1]}}}


def test_the_runs_a_pipeline_was_built_with_pass():
    parameters = {"seed": 42, "vision": {"studies": {"a": {"x": {}, "y": {"seeds": [0, 1]}}}}}
    assert runs_not_built(parameters, BUILT) == []


def test_studies_variants_and_seeds_it_was_not_built_with_are_named():
    parameters = {
        "seed": 7,  # x has no seeds of its own: it was built with conf/base's seed, 42
        "vision": {"studies": {"a": {"x": {}, "y": {"seeds": [5]}, "z": {}}, "b": {}}},
    }
    assert runs_not_built(parameters, BUILT) == [
        "vision.studies.a.y.seeds (conf/base has [0, 1])",
        "vision.studies.a.z (variants in conf/base: x, y)",
        "vision.studies.b (studies in conf/base: a)",
        "seed (the runs of vision.studies take their seeds from conf/base)",
    ]
