"""Try training recipes and architectures before they go into a study: test accuracy over
seeds, time per fit, and whether each run reached its plateau.

Each candidate is a vision variant: one of conf/base's (``--shipped study.variant``), or a
new one (``--candidates``, JSON: name -> the keys that differ from ``--recipe``, a shipped
variant whose optimizer, schedule, label smoothing and augmentation it starts from). The
fits run as the vision pipeline runs them (``training.fit.compute_fit``, the conf/base
trainer block, one torch thread each, on the worker pool: one fit per core), untracked and
without checkpoints kept. The plateau check is the findings' rule (``course.rules
.still_improving`` with the conf/base ``plateau_window`` and ``plateau_margin``).

    .venv/bin/python bench/recipes.py --model-input data/05_model_input/model_input.pt \\
        --shipped architectures.vgg11 \\
        --candidates '{"cnn5": {"architecture": "cnn", "max_epochs": 12, "model":
            {"layers": [16, 16, "M", 32, 32, "M", 64, "M"], "hidden": [128],
             "dropout": 0.3, "batch_norm": true}}}' --seeds 0 1 2 3 4

Prints one line per fit as it ends, then a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
from pathlib import Path
from typing import Any

import yaml
from _table import print_markdown  # bench/_table.py (the script's folder)

from dl_lab import parallel, tracking
from dl_lab.course.rules import still_improving
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.datasets import ModelInputDataset
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import accuracy_on, compute_fit

ROOT = Path(__file__).resolve().parents[1]
RECIPE_KEYS = ("optimizer", "schedule", "label_smoothing", "augment", "batch_size")


def _variants_json(text: str) -> dict[str, dict[str, Any]]:
    """``--candidates``: a JSON object of variant name -> variant keys."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not JSON ({err.msg} at character {err.pos})") from None
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise argparse.ArgumentTypeError('must be a JSON object {"name": {variant keys}, ...}')
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-input",
        type=Path,
        required=True,
        help="a model_input.pt, with data_processing's augmentation_spec.json beside it",
    )
    parser.add_argument("--shipped", nargs="*", default=[], help="study.variant of conf/base")
    parser.add_argument(
        "--candidates", type=_variants_json, default={}, help="JSON: name -> variant keys"
    )
    parser.add_argument("--recipe", default="baseline.lenet5", help="study.variant to start from")
    parser.add_argument("--seeds", type=int, nargs="*", help="seeds (default: each variant's)")
    parser.add_argument("--conf", type=Path, default=ROOT / "conf/base/parameters_vision.yml")
    return parser.parse_args(argv)


def shipped_variant(vision: dict[str, Any], name: str) -> dict[str, Any]:
    """The variant ``study.variant`` of the vision parameters, as written."""
    study, _, variant = name.partition(".")
    try:
        return dict(vision["studies"][study][variant])
    except KeyError:
        studies = {f"{s}.{v}" for s, vs in vision["studies"].items() for v in vs}
        raise SystemExit(f"no variant {name!r}; shipped: {', '.join(sorted(studies))}") from None


def candidates(vision: dict[str, Any], args: argparse.Namespace) -> dict[str, VariantSpec]:
    """Every variant to train, validated as a study validates them (a misspelt key fails)."""
    recipe = shipped_variant(vision, args.recipe)
    specs = {name: shipped_variant(vision, name) for name in args.shipped}
    for name, keys in args.candidates.items():
        specs[name] = {**{k: recipe[k] for k in RECIPE_KEYS if k in recipe}, **keys}
    if not specs:
        raise SystemExit("nothing to train: give --shipped and/or --candidates")
    if args.seeds:
        specs = {name: {**spec, "seeds": args.seeds} for name, spec in specs.items()}
    return {name: VariantSpec.model_validate(spec) for name, spec in specs.items()}


def _test_accuracy(module, data, history, summary, identity) -> float:
    """``compute_fit``'s ``after``: the trained network's test accuracy, where it trained."""
    return accuracy_on(module, data.x_test, data.y_test)


def fit_one(
    data,
    variant: VariantSpec,
    trainer: TrainerConfig,
    augmentation: AugmentationSpec,
    name: str,
    seed: int,
) -> dict:
    """One untracked fit: its test accuracy, training wall time and val-accuracy curve."""
    identity = tracking.RunIdentity("vision", "recipes", name, seed)
    trained = compute_fit(data, variant, trainer, identity, augmentation, after=_test_accuracy)
    return {
        "test_acc": trained.evaluation,
        "wall_s": float(trained.summary["wall_time_s"]),
        "val_acc": trained.history["val_acc"].tolist(),
    }


def summarize(
    name: str, variant: VariantSpec, trainer: TrainerConfig, fits: list[dict], findings: dict
) -> dict:
    """One table row: accuracy over seeds, time per fit, runs still improving at the end.
    Choose between candidates by the validation columns; the test columns are what a
    chosen one will report (choosing by them would fit the recipe to the test split)."""
    accs = [f["test_acc"] for f in fits]
    walls = [f["wall_s"] for f in fits]
    window, margin = findings["plateau_window"], findings["plateau_margin"]
    rising = sum(still_improving(f["val_acc"], "max", window, margin) for f in fits)
    return {
        "variant": name,
        "epochs": variant.trainer_config(trainer).max_epochs,
        "seeds": len(fits),
        "val acc mean (last epoch)": statistics.fmean(f["val_acc"][-1] for f in fits),
        "test acc mean": statistics.fmean(accs),
        "std": statistics.stdev(accs) if len(accs) > 1 else 0.0,
        "min": min(accs),
        "wall s median": statistics.median(walls),
        "wall s max": max(walls),
        "still improving": f"{rising} of {len(fits)}",
    }


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    vision = yaml.safe_load(args.conf.read_text())["vision"]
    specs = candidates(vision, args)
    data = ModelInputDataset(str(args.model_input)).load()
    # the augmentation data_processing wrote beside it, as the vision pipeline reads it
    spec = args.model_input.with_name("augmentation_spec.json")
    if not spec.exists():
        raise SystemExit(f"no {spec}: run `kedro run --pipelines data_processing` first")
    augmentation = AugmentationSpec.model_validate_json(spec.read_text())
    with tempfile.TemporaryDirectory(prefix="recipes-") as scratch:  # checkpoints
        trainer = TrainerConfig.model_validate(
            {**vision["trainer"], "checkpoint_dir": scratch, "resume": False}
        )
        jobs = [
            {"data": data, "variant": variant, "trainer": trainer, "augmentation": augmentation}
            | {"name": name, "seed": seed}
            for name, variant in specs.items()
            for seed in variant.seeds
        ]
        fits: dict[str, list[dict]] = {name: [] for name in specs}
        for index, fit in parallel.run_each(fit_one, jobs):
            job = jobs[index]
            fits[job["name"]].append(fit)
            print(f"{job['name']} seed {job['seed']}: val_acc {fit['val_acc'][-1]:.4f} "
                  f"test_acc {fit['test_acc']:.4f} "
                  f"{fit['wall_s']:.1f} s", flush=True)  # fmt: skip
    rows = [summarize(n, specs[n], trainer, fits[n], vision["findings"]) for n in specs]
    print(f"\n{platform.node()}: {parallel.available_workers()} workers, one torch thread each\n")
    print_markdown(rows)
    return rows


if __name__ == "__main__":
    main()
