"""Missing, damaged and unusable data files, through `kedro run` as a user meets them.

Files a run reads are checked before its first node (``pipelines/_preflight.py``): a run
with a missing or unreadable input stops with one message naming the file, opens no MLflow
run and changes nothing. What only a node can see (a file's content against the model or
the data set, a registry lookup) stops that node before any training; kedro-mlflow has
then opened the run's parent run, which ends FAILED with no child run (``refused``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

case = pytest.mark.kedro_case
MODEL_INPUT = "data/05_model_input/model_input.pt"
SPEC = "data/05_model_input/augmentation_spec.json"
INCOMING = "data/01_raw/incoming"
BEST_PARAMS = "data/06_models/tuning/best_params.yml"


def _delete_inputs(project: Path) -> None:
    (project / MODEL_INPUT).unlink()
    (project / SPEC).unlink()


def _cut_model_input(project: Path) -> None:
    path = project / MODEL_INPUT
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])  # as a copy interrupted halfway leaves it


def _garble_model_input(project: Path) -> None:
    (project / MODEL_INPUT).write_bytes(b"these are not the tensors you are looking for")


def _write(project: Path, relative: str, content: bytes) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


@case("--pipelines", "vision", prepare=_delete_inputs)
def test_inputs_that_were_never_written(refused):
    refused("model_input", MODEL_INPUT, "augmentation_spec", SPEC, "--pipelines data_processing")


@case("--pipelines", "tuning", prepare=_cut_model_input)
def test_a_truncated_torch_file(refused):
    refused(MODEL_INPUT, "not a readable torch file", "--pipelines data_processing")


@case("--pipelines", "diagnostics", prepare=_garble_model_input)
def test_a_torch_file_that_is_not_one(refused):
    # diagnostics has nodes that need no data: before, they ran and wrote their tables first
    refused(MODEL_INPUT, "not a readable torch file")


@case(
    "--pipelines",
    "retraining",
    prepare=lambda project: _write(project, f"{INCOMING}/new_digits.npz", b"PK\x03\x04 cut short"),
)
def test_a_damaged_npz_in_the_incoming_folder(refused):
    refused(f"{INCOMING}/new_digits.npz", "not readable", ".npz with `images`")


@case(
    "--pipelines",
    "inference",
    "--params",
    "inference.source=files",
    prepare=lambda project: _write(project, "data/01_raw/inference/scan.png", b"\x89PNG garbage"),
)
def test_a_damaged_image_among_the_inference_inputs(refused):
    refused("data/01_raw/inference/scan.png", "not readable", ".png or .jpg")


@case(
    "--pipelines",
    "retraining",
    prepare=lambda project: _write(project, BEST_PARAMS, b"variant: [unclosed"),
)
def test_a_best_configuration_file_that_is_not_yaml(refused):
    refused(BEST_PARAMS, "not readable YAML")


def _stale_best_params(project: Path) -> None:
    """A best configuration from an older dl-lab, naming an architecture that is gone."""
    best = {
        "study": "cnn_mnist_5k",
        "trial": 7,
        "variant": {"architecture": "lenet9", "optimizer": {"name": "adam", "lr": 0.001}},
        "batch_size": 64,
        "val_acc": 0.97,
    }
    _write(project, BEST_PARAMS, yaml.safe_dump(best).encode())


@case("--pipelines", "retraining", prepare=_stale_best_params, found_by_node=True)
def test_a_stale_best_configuration(refused):
    refused("tuning_best_params", "variant.architecture", "'lenet9'", "tunable_cnn")


def _wrong_shape_inputs(project: Path) -> None:
    path = project / "data/01_raw/inference/batch.npy"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.zeros((3, 10, 10), dtype=np.uint8))  # 10x10 images; the model takes 28x28


@case(
    "--pipelines",
    "inference",
    "--params",
    "inference.source=files",
    template="champion",
    prepare=_wrong_shape_inputs,
    found_by_node=True,
)
def test_inference_inputs_of_the_wrong_shape(refused):
    refused("data/01_raw/inference", "(3, 1, 10, 10)", "expects (N, 1, 28, 28)")


@case("--pipelines", "inference", found_by_node=True)
def test_inference_before_any_model_was_registered(refused):
    refused("dl-lab-digits-cnn", "alias 'champion'", "kedro run --pipelines retraining")


@case(
    "--pipelines",
    "reporting",
    prepare=lambda project: _write(
        project, "data/08_reporting/findings/vision.csv", b"claim,result\n1.4-l2,better\n"
    ),
    found_by_node=True,
)
def test_a_findings_table_without_its_columns(refused):
    refused("findings/vision.csv", "lacks the columns", "kedro run --pipelines vision")


@case(
    "--pipelines",
    "data_processing",
    "--params",
    "data_processing.ingest.dataset=fashion_mnist",
    found_by_node=True,
)
def test_a_full_data_set_that_was_never_downloaded(refused):
    # The augmentation spec is written before the images are read, with the same content
    # as before: refused() checks every file's content, so it would see any other change.
    refused("fashion_mnist", "data/01_raw", "download: true")


def _inject_a_bug(project: Path) -> None:
    nodes = project / "src/dl_lab/pipelines/data_processing/nodes.py"
    text = nodes.read_text()
    body = (
        '    """Per-split class counts and proportions, a bar plot, and the largest deviation."""\n'
    )
    assert body in text
    nodes.write_text(text.replace(body, body + "    return 1 / 0  # a bug\n"))


@case("--pipelines", "data_processing", prepare=_inject_a_bug)
def test_a_bug_still_shows_its_traceback(outcome):
    assert outcome.returncode == 1, outcome.stderr[-3000:]
    assert "Traceback" in outcome.output and "ZeroDivisionError" in outcome.output
    assert not outcome.stderr.startswith("Error: ")  # not dressed up as the user's mistake
