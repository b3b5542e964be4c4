"""Wiring of the vision pipeline: one training node per study (every variant x seed of it,
trained on both cores, each in its MLflow child run), then one comparison over all of them,
ending in the course findings (``vision_findings``).

A study's node lives in the Kedro namespace ``<study>`` and writes each run's outputs under
``<study>.<variant>.seed<n>``, so ``kedro run --pipelines vision --namespaces <study>`` runs
one study alone (without the comparison stage, which needs every study). Studies, variants
and seeds are read from conf/base when the pipeline is created; the environments change
sizes, not the lists.
"""

from kedro.pipeline import Pipeline

from dl_lab.pipelines._kit import VariantRun, base_parameters, node, param, studies
from dl_lab.pipelines.vision import nodes as n
from dl_lab.pipelines.vision.params import check_findings, check_paired_tests

TRAINER = param("vision.trainer")
REPORT = param("vision.report")
FINDINGS = param("vision.findings")


def study_node(study: str, runs: list[VariantRun]) -> Pipeline:
    """One node trains every variant x seed of ``study`` (on the worker pool, both cores)
    and writes each run's outputs under the run's namespace ``<study>.<variant>.seed<n>``."""
    outputs: dict[str, str] = {}
    for run in runs:
        outputs.update(n.run_outputs(run.namespace))
    return Pipeline(
        [
            node(
                n.train_study,
                {
                    "data": "model_input",
                    "augmentation": "augmentation_spec",
                    "variants": param(f"vision.studies.{study}"),
                    "trainer": TRAINER,
                    "report": REPORT,
                },
                outputs,
                name=f"train_{study}",
                namespace=study,
                study=study,
                runs=[(run.variant, run.seed) for run in runs],
            )
        ]
    )


def comparison_stage(runs: list[VariantRun]) -> Pipeline:
    """Tables, statistics and figures over every variant and seed, then the findings."""
    rows = {run.namespace: f"{run.namespace}.summary_row" for run in runs}
    histories = {run.namespace: f"{run.namespace}.history" for run in runs}
    histograms = {run.namespace: f"{run.namespace}.weight_histogram" for run in runs}
    return Pipeline(
        [
            node(n.compare_variants, rows, "vision_comparison"),
            node(n.summarize_variants, {"comparison": "vision_comparison"}, "vision_summary"),
            node(n.collect_tables, histories, "vision_histories", name="collect_histories"),
            node(
                n.collect_tables,
                histograms,
                "vision_weight_histograms",
                name="collect_weight_histograms",
            ),
            node(
                n.run_paired_tests,
                {"comparison": "vision_comparison", "report": REPORT, "seed": param("seed")},
                "vision_paired_tests",
            ),
            node(
                n.plot_cost_comparison,
                {"summary": "vision_summary", "report": REPORT},
                "vision_accuracy_vs_cost",
                name="plot_cost",
            ),
            node(
                n.plot_learning_curves,
                {"histories": "vision_histories"},
                "vision_learning_curves",
                name="plot_curves",
            ),
            node(n.plot_seed_spread, {"comparison": "vision_comparison"}, "vision_seed_boxplots"),
            node(
                n.plot_weights,
                {
                    "histograms": "vision_weight_histograms",
                    "comparison": "vision_comparison",
                    "report": REPORT,
                },
                "vision_weight_histograms_plot",
            ),
            node(
                n.plot_gaps,
                {"summary": "vision_summary", "report": REPORT},
                "vision_gap_per_regularizer",
            ),
            node(
                n.summarize_metrics,
                {"comparison": "vision_comparison", "paired": "vision_paired_tests"},
                "vision_metrics",
            ),
            node(
                n.report_findings,
                {
                    "comparison": "vision_comparison",
                    "paired_tests": "vision_paired_tests",
                    "histories": "vision_histories",
                    "weight_histograms": "vision_weight_histograms",
                    "report": REPORT,
                    "findings": FINDINGS,
                },
                "vision_findings",
                name="report_vision_findings",
            ),
        ]
    )


def study_nodes(runs: list[VariantRun]) -> Pipeline:
    """A training node per study, in the order the studies are listed."""
    by_study: dict[str, list[VariantRun]] = {}
    for run in runs:
        by_study.setdefault(run.study, []).append(run)
    return sum((study_node(study, group) for study, group in by_study.items()), Pipeline([]))


def create_pipeline(**kwargs) -> Pipeline:
    runs = studies("vision")
    check_paired_tests(base_parameters("vision.report"), runs)  # fails before any training
    check_findings(base_parameters("vision.findings"), runs)
    return study_nodes(runs) + comparison_stage(runs)
