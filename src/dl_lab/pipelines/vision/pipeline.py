"""Wiring of the vision pipeline: train -> evaluate -> report once per study x variant x seed,
then one comparison over all of them, ending in the course findings (``vision_findings``).

Each copy of the template lives in the Kedro namespace ``<study>.<variant>.seed<n>``, so
``kedro run --pipelines vision --namespaces <study>`` runs one study alone (without the
comparison stage, which needs every study). Studies, variants and seeds are read from
conf/base when the pipeline is created; the environments change sizes, not the lists.
"""

from kedro.pipeline import Pipeline

from dl_lab.pipelines._kit import VariantRun, base_parameters, namespaced, node, param, studies
from dl_lab.pipelines.vision import nodes as n
from dl_lab.pipelines.vision.params import check_findings, check_paired_tests

SHARED = ("model_input", "augmentation_spec")
VARIANT = param("variant")
TRAINER = param("vision.trainer")
REPORT = param("vision.report")
FINDINGS = param("vision.findings")


def variant_template(run: VariantRun) -> Pipeline:
    """train -> evaluate -> report for one variant and seed, in its own MLflow child run."""
    return Pipeline(
        [
            node(
                n.train_model,
                {
                    "data": "model_input",
                    "augmentation": "augmentation_spec",
                    "variant": VARIANT,
                    "trainer": TRAINER,
                },
                ["trained_model", "history", "fit_summary"],
                study=run.study,
                variant_name=run.variant,
                seed=run.seed,
            ),
            node(
                n.evaluate_model,
                {
                    "weights": "trained_model",
                    "data": "model_input",
                    "augmentation": "augmentation_spec",
                    "variant": VARIANT,
                    "fit_summary": "fit_summary",
                    "report": REPORT,
                    "trainer": TRAINER,
                },
                ["eval_metrics", "confusion", "weight_histogram"],
            ),
            node(
                n.report_variant,
                {
                    "history": "history",
                    "confusion": "confusion",
                    "fit_summary": "fit_summary",
                    "eval_metrics": "eval_metrics",
                },
                ["learning_curves", "confusion_plot", "summary_row"],
            ),
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


def variant_copies(runs: list[VariantRun]) -> Pipeline:
    """The template once per run, in the run's namespace, on the shared data and blocks."""
    copies = [
        namespaced(
            variant_template(run),
            run.namespace,
            inputs=SHARED,
            parameters={VARIANT: run.parameter("vision"), TRAINER: TRAINER, REPORT: REPORT},
        )
        for run in runs
    ]
    return sum(copies, Pipeline([]))


def create_pipeline(**kwargs) -> Pipeline:
    runs = studies("vision")
    check_paired_tests(base_parameters("vision.report"), runs)  # fails before any training
    check_findings(base_parameters("vision.findings"), runs)
    return variant_copies(runs) + comparison_stage(runs)
