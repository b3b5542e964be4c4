"""What the findings read from the vision tables: values by seed, the runs behind them, and
the evidence files as the catalog (conf/base/catalog_vision.yml) writes them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dl_lab.course.findings import finding
from dl_lab.course.questions import Course
from dl_lab.course.rules import Verdict, combine, still_improving, unsettled

PIPELINE = "vision"

# Evidence: paths relative to data/08_reporting, exactly as the catalog writes them.
COMPARISON = "vision/comparison.csv"
SUMMARY = "vision/summary.csv"
PAIRED_TESTS = "vision/paired_tests.csv"
HISTORIES = "vision/histories.csv"
WEIGHT_HISTOGRAMS = "vision/weight_histograms.csv"
ACCURACY_VS_COST = "vision/accuracy_vs_cost.png"
LEARNING_CURVES = "vision/learning_curves.png"
SEED_BOXPLOTS = "vision/seed_boxplots.png"
WEIGHT_HISTOGRAMS_PLOT = "vision/weight_histograms_plot.png"
GAP_PER_REGULARIZER = "vision/gap_per_regularizer.png"


@dataclass(frozen=True)
class Paired:
    """Two variants' values of one metric, aligned by seed where they share seeds."""

    a: np.ndarray
    b: np.ndarray
    run_ids: list[str]


@dataclass(frozen=True)
class Measurements:
    """The comparison table (one row per study, variant and seed, with its ``run_id``), and
    the per-epoch histories (``val_acc`` by study, variant, seed and epoch) that tell whether
    a network was still improving when its training stopped."""

    comparison: pd.DataFrame
    histories: pd.DataFrame | None = None
    plateau_window: float | None = None  # rules.still_improving's window and margin
    plateau_margin: float = 0.0

    def rows(self, study: str, variant: str) -> pd.DataFrame:
        """The variant's rows, by seed."""
        table = self.comparison
        part = table[(table["study"] == study) & (table["variant"] == variant)]
        return part.sort_values("seed")

    def has(self, study: str, *variants: str) -> bool:
        """Whether every one of ``variants`` of ``study`` was run."""
        return all(not self.rows(study, variant).empty for variant in variants)

    def labelled(self, study: str, architecture: str) -> dict[str, str]:
        """Regularizer label -> the first variant of ``study`` with that architecture and label."""
        table = self.comparison
        part = table[(table["study"] == study) & (table["architecture"] == architecture)]
        return dict(part.drop_duplicates("regularizer")[["regularizer", "variant"]].to_numpy())

    def values(self, study: str, variant: str, metric: str) -> np.ndarray:
        """The metric over the variant's seeds."""
        return self.rows(study, variant)[metric].to_numpy(dtype=float)

    def run_ids(self, study: str, *variants: str) -> list[str]:
        """The MLflow runs of the variants."""
        return [str(r) for v in variants for r in self.rows(study, v).get("run_id", [])]

    def paired(self, study: str, a: str, b: str, metric: str) -> Paired:
        """``metric`` of variants ``a`` and ``b``: on their common seeds, else all seeds."""
        rows_a, rows_b = self.rows(study, a), self.rows(study, b)
        common = sorted(set(rows_a["seed"]) & set(rows_b["seed"]))
        if common:
            rows_a, rows_b = (
                rows_a[rows_a["seed"].isin(common)],
                rows_b[rows_b["seed"].isin(common)],
            )
        runs = [str(r) for rows in (rows_a, rows_b) for r in rows.get("run_id", [])]
        return Paired(
            rows_a[metric].to_numpy(dtype=float), rows_b[metric].to_numpy(dtype=float), runs
        )

    def improving(self, study: str, variant: str) -> dict[int, int]:
        """Seed -> last epoch of every run of the variant whose ``val_acc`` was at its best in
        its last epoch (``rules.still_improving``); a run without a ``val_acc`` history is not
        known to be, and is not listed."""
        h = self.histories
        if h is None or h.empty or "val_acc" not in h:
            return {}
        part = h[(h["study"] == study) & (h["variant"] == variant)].dropna(subset=["val_acc"])
        found = {}
        for seed, run in part.groupby("seed"):
            run = run.sort_values("epoch")
            scores = run["val_acc"].to_numpy(dtype=float)
            if still_improving(scores, "max", self.plateau_window, self.plateau_margin):
                found[int(seed)] = int(run["epoch"].iloc[-1])
        return found

    def settled(self, verdict: Verdict, study: str, *variants: str) -> Verdict:
        """``verdict``, unless a network of ``variants`` was still improving at its last
        epoch: then ``unsettled``, naming those runs (the rule's reason kept before them)."""
        notes = []
        for variant in variants:
            by_epoch: dict[int, list[int]] = {}
            for seed, epoch in self.improving(study, variant).items():
                by_epoch.setdefault(epoch, []).append(seed)
            for epoch, seeds in sorted(by_epoch.items()):
                one = len(seeds) == 1
                notes.append(
                    f"{variant} seed{'' if one else 's'} {', '.join(map(str, seeds))} still "
                    f"improving at {'its' if one else 'their'} last epoch (epoch {epoch})"
                )
        if not notes:
            return verdict
        why = (
            "not settled (val_acc at its best in the last epoch)"
            if self.plateau_window is None
            else f"not settled (val_acc still rising by more than {self.plateau_margin:g} in "
            f"the last {self.plateau_window:.0%} of the epochs)"
        )
        return unsettled(f"{verdict.reason}; {why}: {'; '.join(notes)}")


def at_epoch(
    histories: pd.DataFrame, study: str, variant: str, epoch: int, metric: str
) -> pd.Series:
    """``metric`` after ``epoch`` of every seed of the variant (indexed by seed)."""
    part = histories[
        (histories["study"] == study)
        & (histories["variant"] == variant)
        & (histories["epoch"] == epoch)
    ]
    return part.set_index("seed")[metric].sort_index()


def abs_quantiles(histograms: pd.DataFrame, study: str, variant: str, q: float) -> pd.Series:
    """The ``q``-quantile of |w| per seed, from the log10|w| histogram.

    Within the bin where the cumulative share crosses ``q`` the weights are taken as
    spread evenly in log10|w| (linear interpolation), so the estimate is not stuck to
    the bins' 0.1-decade grid.
    """
    part = histograms[(histograms["study"] == study) & (histograms["variant"] == variant)]

    def quantile(bins: pd.DataFrame) -> float:
        bins = bins.sort_values("bin_left")
        cumulative = np.concatenate([[0.0], bins["count"].cumsum() / bins["count"].sum()])
        edges = np.concatenate([bins["bin_left"].to_numpy()[:1], bins["bin_right"].to_numpy()])
        return float(10 ** np.interp(q, cumulative, edges))

    return pd.Series({seed: quantile(bins) for seed, bins in part.groupby("seed")}).sort_index()


@dataclass
class Claim:
    """One course claim being answered: its checks, what they measured, the runs and files.

    ``row`` combines the checks' verdicts (``course.rules.combine``) into one finding; a
    claim with no check (its runs are absent) gives no row and stays "not yet run".
    """

    claim_id: str
    what: str
    evidence: Sequence[str] = ()
    verdicts: list[Verdict] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, verdict: Verdict, measured: str, run_ids: Iterable[str] = ()) -> None:
        self.verdicts.append(verdict)
        self.parts.append(measured)
        self.runs += [r for r in run_ids if r not in self.runs]

    def note(self, text: str) -> None:
        self.notes.append(text)

    def row(self, course: Course) -> dict | None:
        if not self.verdicts:
            return None
        measured = f"{self.what}: {'; '.join(self.parts)}"
        if self.notes:
            measured += f" ({'; '.join(self.notes)})"
        return finding(
            PIPELINE,
            self.claim_id,
            measured,
            combine(self.verdicts),
            self.evidence,
            self.runs,
            course,
        )
