"""bench/recipes.py: which variants it trains, how it summarizes them, and a real run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))  # the bench imports its folder's _table
spec = importlib.util.spec_from_file_location("bench_recipes", BENCH / "recipes.py")
recipes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(recipes)

VISION = {
    "studies": {
        "baseline": {
            "lenet5": {
                "architecture": "lenet5",
                "optimizer": {"name": "adamw", "lr": 0.01},
                "label_smoothing": 0.05,
                "augment": True,
                "seeds": [0, 1, 2],
            }
        },
        "architectures": {"mlp": {"architecture": "mlp", "seeds": [0]}},
    },
    "findings": {"plateau_window": 0.25, "plateau_margin": 0.004},
}


def _args(*argv: str):
    return recipes.parse_args(["--model-input", "unused.pt", *argv])


def test_a_candidate_starts_from_the_recipe_and_overrides_what_it_names():
    specs = recipes.candidates(
        VISION,
        _args("--shipped", "architectures.mlp", "--candidates", '{"wide": {"model": {}, '
              '"architecture": "cnn", "label_smoothing": 0.1}}', "--seeds", "3", "4"),
    )  # fmt: skip
    assert list(specs) == ["architectures.mlp", "wide"]
    wide = specs["wide"]
    assert wide.architecture == "cnn" and wide.label_smoothing == 0.1  # its own
    assert wide.optimizer.name == "adamw" and wide.augment  # the recipe's
    assert wide.seeds == [3, 4] and specs["architectures.mlp"].seeds == [3, 4]
    assert specs["architectures.mlp"].label_smoothing == 0.0  # a shipped one as it is


def test_a_misspelt_key_or_an_unknown_variant_stops_it():
    with pytest.raises(ValidationError, match="max_epoch"):
        recipes.candidates(VISION, _args("--candidates", '{"x": {"max_epoch": 3}}'))
    with pytest.raises(SystemExit, match="no variant 'baseline.lenet'.*baseline.lenet5"):
        recipes.candidates(VISION, _args("--shipped", "baseline.lenet"))
    with pytest.raises(SystemExit, match="nothing to train"):
        recipes.candidates(VISION, _args())


@pytest.mark.parametrize("text", ['{"x": {"architecture": "mlp"', '["mlp"]', '{"x": 3}'])
def test_candidates_that_are_not_a_json_object_of_variants_are_refused(text, capsys):
    with pytest.raises(SystemExit):
        _args("--candidates", text)
    assert "argument --candidates" in capsys.readouterr().err


def test_the_summary_counts_runs_still_improving_by_the_findings_rule():
    variant = recipes.VariantSpec(architecture="mlp", max_epochs=8)
    trainer = recipes.TrainerConfig(max_epochs=20)
    flat = [0.9, 0.95, 0.97, 0.98, 0.98, 0.98, 0.98, 0.98]
    rising = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.96]
    fits = [
        {"test_acc": 0.98, "wall_s": 2.0, "val_acc": flat},
        {"test_acc": 0.96, "wall_s": 4.0, "val_acc": rising},
    ]
    row = recipes.summarize("mlp", variant, trainer, fits, VISION["findings"])
    assert row["epochs"] == 8 and row["seeds"] == 2
    assert row["val acc mean (last epoch)"] == pytest.approx(0.97)  # 0.98 and 0.96
    assert row["test acc mean"] == pytest.approx(0.97) and row["min"] == 0.96
    assert row["std"] == pytest.approx(0.0141421, abs=1e-6)
    assert row["wall s median"] == 3.0 and row["wall s max"] == 4.0
    assert row["still improving"] == "1 of 2"


def test_it_trains_the_candidates_on_a_model_input(kedro_project, monkeypatch, capsys):
    monkeypatch.setenv("DL_LAB_WORKERS", "1")  # in this process: quick, and no pool to start
    model_input = kedro_project.path / "data/05_model_input/model_input.pt"
    rows = recipes.main(
        ["--model-input", str(model_input), "--seeds", "0", "1", "--candidates",
         '{"tiny": {"architecture": "mlp", "model": {"depth": 1, "width": 16}, '
         '"max_epochs": 2, "augment": false}}'],
    )  # fmt: skip
    (row,) = rows
    assert row["variant"] == "tiny" and row["seeds"] == 2 and row["epochs"] == 2
    assert 0.0 <= row["min"] <= row["test acc mean"] <= 1.0
    out = capsys.readouterr().out
    assert "tiny seed 0: val_acc" in out and "tiny seed 1: val_acc" in out
    assert "| variant | epochs | seeds | val acc mean (last epoch) | test acc mean |" in out
