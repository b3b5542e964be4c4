"""Course claims the split and the augmentation spec answer: 1.11, 1.15 (its split), 3.13.

Measured: the fractions the split gave (``split_indices``), the class proportions of every
split (``class_balance``) and the augmentation spec the training pipelines read. Nothing is
trained; the split rule is asked which ratios it picks at 1.11's band edges, and the
stratified split is run again on ``split_seeds`` (labels with the data set's class counts:
the per-split class counts depend on nothing else) so that its class shares are judged over
seeds, not from the one split the pipeline made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from dl_lab.config import StrictModel
from dl_lab.course.findings import finding, findings_table
from dl_lab.course.questions import Course, load_course
from dl_lab.course.rules import Verdict, combine, describe, holds, mean_std, within
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.config import SplitParams
from dl_lab.data.sources import DIGIT_CLASSES
from dl_lab.data.splits import SPLITS, auto_ratios, split_stratified

PIPELINE = "data_processing"
BALANCE = ("class_balance.csv", "class_balance.png")  # under data/08_reporting
Row = dict[str, Any]


class FindingsParams(StrictModel):
    """Tolerances of the findings rules, and the course's size bands of 1.11."""

    ratio_tolerance: float = Field(ge=0, description="split fraction vs the course's ratio")
    proportion_tolerance: float = Field(ge=0, description="class share in a split vs overall")
    small_below: int = Field(ge=2, description="1.11: fewer images than this is 'small'")
    large_above: int = Field(ge=2, description="1.11: more images than this is 'large'")
    max_rotation_degrees: float = Field(ge=0, description="3.13: a label-safe digit rotation")
    max_translate: float = Field(ge=0, lt=1, description="3.13: a shift that keeps digits in frame")
    split_seeds: list[int] = Field(
        min_length=2,
        description="1.11: the seeds of the stratified splits whose class shares decide",
    )

    @model_validator(mode="after")
    def _bands_ordered(self) -> FindingsParams:
        if not self.small_below <= self.large_above:
            raise ValueError(
                f"small_below ({self.small_below}) must be <= large_above ({self.large_above})"
            )
        return self


def split_fractions(split_indices: pd.DataFrame) -> dict[str, float]:
    """The share of the images each split holds."""
    counts = split_indices["split"].value_counts()
    return {split: int(counts.get(split, 0)) / len(split_indices) for split in SPLITS}


def size_band(n_images: int, params: FindingsParams) -> str:
    """1.11's band of a data set of ``n_images``: ``small``, ``medium`` or ``large``."""
    if n_images < params.small_below:
        return "small"
    return "medium" if n_images <= params.large_above else "large"


def band_text(band: str, params: FindingsParams) -> str:
    """A band in words: ``below 10,000``, ``10,000-50,000`` or ``above 50,000`` images."""
    return {
        "small": f"below {params.small_below:,}",
        "medium": f"{params.small_below:,}-{params.large_above:,}",
        "large": f"above {params.large_above:,}",
    }[band]


def course_ratios(course: Course, claim_id: str) -> Any:
    """A claim's ratios in percent (a list, or a list per band) as fractions."""
    value = course.claim(claim_id).value
    if isinstance(value, dict):
        return {band: [p / 100 for p in ratios] for band, ratios in value.items()}
    return [p / 100 for p in value]


def _percent(ratios: Sequence[float]) -> str:
    return "/".join(f"{100 * r:.1f}".removesuffix(".0") for r in ratios)


def matches_ratios(
    fractions: dict[str, float], expected: Sequence[float], tolerance: float
) -> Verdict:
    """Each split's fraction within ``tolerance`` of the expected ratio.

    Exact: the split's sizes follow from the number of images and the ratios alone (the seed
    picks which images, not how many).
    """
    return combine(
        [
            within(fractions[split], ratio, tolerance, f"{split} fraction", exact=True)
            for split, ratio in zip(SPLITS, expected, strict=True)
        ]
    )


def ratios_by_size(
    split_indices: pd.DataFrame, split: SplitParams, params: FindingsParams, course: Course
) -> Row:
    """1.11: the split's fractions are the course's ratios for the data set's size."""
    bands, n = course_ratios(course, "1.11-ratios"), len(split_indices)
    band, fractions = size_band(n, params), split_fractions(split_indices)
    verdicts = [matches_ratios(fractions, bands[band], params.ratio_tolerance)]
    measured = f"{n:,} images ({band_text(band, params)}) split {_percent(fractions.values())}"
    if split.ratios == "auto":  # the rule the split node applies, asked at the band edges
        edges = {
            params.small_below - 1: "small",
            params.small_below: "medium",
            params.large_above: "medium",
            params.large_above + 1: "large",
        }
        picked = {size: auto_ratios(size) for size in edges}
        verdicts.append(
            holds(
                [
                    np.allclose(picked[size], bands[b], atol=params.ratio_tolerance)
                    for size, b in edges.items()
                ],
                "the split rule at the band edges",
            )
        )
        edges_text = ", ".join(f"{size:,}: {_percent(r)}" for size, r in picked.items())
        measured += f"; ratios: auto, which picks {edges_text}"
    else:
        measured += f"; ratios set by hand to {_percent(split.ratios)}"
    return finding(PIPELINE, "1.11-ratios", measured, combine(verdicts), BALANCE, course=course)


def seeded_deviations(
    class_counts: Sequence[int], ratios: Sequence[float], seeds: Sequence[int]
) -> np.ndarray:
    """Per seed: the largest |class share in a split - overall share| of the project's
    stratified split of labels with these class counts."""
    counts = np.asarray(class_counts, dtype=int)
    labels = np.repeat(np.arange(len(counts)), counts)
    overall = counts / counts.sum()
    deviations = []
    for seed in seeds:
        parts = split_stratified(labels, ratios, seed)
        shares = [
            np.bincount(labels[idx], minlength=len(counts)) / len(idx) for idx in parts.values()
        ]
        deviations.append(max(float(np.abs(share - overall).max()) for share in shares))
    return np.array(deviations)


def stratified_disjoint(
    split_indices: pd.DataFrame,
    class_balance: pd.DataFrame,
    split: SplitParams,
    params: FindingsParams,
    course: Course,
) -> Row:
    """1.11: every split keeps the class proportions (judged over ``split_seeds`` seeded
    stratified splits of the data set's labels); the splits are disjoint and cover all."""
    n, index = len(split_indices), split_indices["index"]
    sizes = split_indices["split"].value_counts()
    deviation = float(class_balance["deviation"].max())
    cases = [
        bool(index.is_unique),  # no image in two splits
        set(index) == set(range(n)),  # every image in one
        all(sizes.get(split, 0) > 0 for split in SPLITS),
    ]
    # Not exact: the stratified split breaks ties between classes at random (sklearn's
    # approximate mode), so the seed moves a class's count in a split, and the deviation.
    class_counts = class_balance.groupby("class", sort=False)["count"].sum().to_numpy()
    ratios = auto_ratios(int(class_counts.sum())) if split.ratios == "auto" else split.ratios
    deviations = seeded_deviations(class_counts, ratios, params.split_seeds)
    verdict = combine(
        [
            within(deviations, 0.0, params.proportion_tolerance, "largest class-share deviation"),
            holds(cases, "disjoint, covering, non-empty splits"),
        ]
    )
    classes = class_balance["class"].nunique()
    measured = (
        f"largest class-share deviation {mean_std(deviations)} over "
        f"{len(params.split_seeds)} seeded stratified splits ({describe(deviation)} in the "
        f"pipeline's split) over {classes} classes in "
        f"{'/'.join(str(int(sizes.get(s, 0))) for s in SPLITS)} images; "
        f"{sum(cases)} of 3 leakage checks hold (unique, covering, non-empty); "
        "the test split's absence from tuning is not checked here"
    )
    return finding(PIPELINE, "1.11-stratified", measured, verdict, BALANCE, course=course)


def workflow_split(split_indices: pd.DataFrame, params: FindingsParams, course: Course) -> Row:
    """1.15: the workflow's split is 70/15/15 (1.11's ratios for MNIST-sized data)."""
    expected, n = course_ratios(course, "1.15-split"), len(split_indices)
    fractions = split_fractions(split_indices)
    verdict = matches_ratios(fractions, expected, params.ratio_tolerance)
    measured = (
        f"{n:,} images ({band_text(size_band(n, params), params)}) split "
        f"{_percent(fractions.values())}; 1.11 gives {_percent(expected)} only above "
        f"{params.large_above:,} images"
    )
    return finding(PIPELINE, "1.15-split", measured, verdict, BALANCE, course=course)


def label_safe_augmentation(
    spec: dict[str, Any], manifest: dict[str, Any], params: FindingsParams, course: Course
) -> Row | None:
    """3.13 corrected: for digits, no flips and only small rotations and shifts (else None)."""
    if list(manifest["classes"]) != DIGIT_CLASSES:
        return None  # the correction is about digits
    shipped = AugmentationSpec(**spec)
    vertical = [key for key, value in spec.items() if "vertical" in key and value]
    cases = {
        "no vertical flip": not vertical,
        "no horizontal flip": shipped.horizontal_flip == 0,
        f"rotation <= {params.max_rotation_degrees:g} deg": (
            shipped.rotation_degrees <= params.max_rotation_degrees
        ),
        f"shift <= {params.max_translate:g}": shipped.translate <= params.max_translate,
    }
    measured = (
        f"{manifest['dataset']} (digits): vertical flip {'on' if vertical else 'off'}, "
        f"horizontal flip p={shipped.horizontal_flip:g}, rotation up to "
        f"{shipped.rotation_degrees:g} deg, shift up to {shipped.translate:g} of the size; "
        + ", ".join(f"{case}: {'yes' if ok else 'no'}" for case, ok in cases.items())
    )
    verdict = holds(list(cases.values()), "label-safe digit augmentation")
    return finding(PIPELINE, "3.13-transforms", measured, verdict, course=course)


def answer(
    split_indices: pd.DataFrame,
    class_balance: pd.DataFrame,
    data_manifest: dict[str, Any],
    augmentation_spec: dict[str, Any],
    split: SplitParams,
    findings: FindingsParams,
) -> pd.DataFrame:
    """The findings table (DESIGN §9) of 1.11, 1.15 and 3.13, from what was measured."""
    course = load_course()
    rows = [
        ratios_by_size(split_indices, split, findings, course),
        stratified_disjoint(split_indices, class_balance, split, findings, course),
        workflow_split(split_indices, findings, course),
        label_safe_augmentation(augmentation_spec, data_manifest, findings, course),
    ]
    return findings_table(row for row in rows if row is not None)
