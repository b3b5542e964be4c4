"""The report: the course answered question by question, from the findings tables.

``question_status`` gives each question of the course its status (a verdict, or "not yet
run"), ``unit_summary`` counts them per unit, ``comparison_table`` and
``plot_study_curves`` compare a study's runs the way the MLflow UI does not (best-epoch
metrics, only the parameters that differ, the curves overlaid), and ``render_report``
writes one self-contained HTML page with a Jinja2 template (figures embedded as PNG data,
no network).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.course.findings import COLUMNS, split_list
from dl_lab.course.questions import Course
from dl_lab.course.rules import INCONCLUSIVE, NOT_REPRODUCED, PARTLY, REPRODUCED, VERDICTS
from dl_lab.errors import DataFileError

NOT_YET_RUN = "not_yet_run"
STATUSES = (*VERDICTS, NOT_YET_RUN)
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("dl_lab.reporting", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def read_findings(files: Mapping[str, Callable[[], bytes]]) -> pd.DataFrame:
    """Every findings table the pipelines wrote (``<pipeline>.csv``), in one table.

    A table that is not a CSV with the findings columns fails, naming its file and the
    pipeline that writes it again.
    """
    tables = [
        _findings_table(name, load) for name, load in sorted(files.items()) if name.endswith(".csv")
    ]
    if not tables:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(tables, ignore_index=True)[list(COLUMNS)]


def _findings_table(name: str, load: Callable[[], bytes]) -> pd.DataFrame:
    rewrite = f"rerun `kedro run --pipelines {name.removesuffix('.csv')}` to write it again"
    try:
        table = pd.read_csv(io.BytesIO(load()), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as err:  # pandas' ParserError is a ValueError
        raise DataFileError(f"findings/{name} is not a readable CSV ({err}); {rewrite}") from err
    missing = sorted(set(COLUMNS) - set(table.columns))
    if missing:
        raise DataFileError(f"findings/{name} lacks the columns {missing}; {rewrite}")
    return table


def _question_verdict(verdicts: Sequence[str]) -> str:
    """One status for a question from its claims' verdicts."""
    kinds = set(verdicts)
    if not kinds:
        return NOT_YET_RUN
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= {REPRODUCED, INCONCLUSIVE}:
        return INCONCLUSIVE
    return PARTLY


def question_status(course: Course, findings: pd.DataFrame) -> pd.DataFrame:
    """One row per question of the course: unit, title, status, claims answered."""
    rows = []
    for question in course.questions:
        answered = findings[findings["question"] == question.id]
        rows.append(
            {
                "question": question.id,
                "unit": question.unit,
                "title": question.title,
                "status": _question_verdict(list(answered["verdict"])),
                "claims": len(question.claims),
                "claims_answered": int(answered["claim_id"].nunique()),
            }
        )
    return pd.DataFrame(rows)


def unit_summary(status: pd.DataFrame) -> pd.DataFrame:
    """Per unit: how many questions have each status (every status a column)."""
    counts = pd.crosstab(status["unit"], status["status"]).reindex(columns=list(STATUSES))
    counts = counts.fillna(0).astype(int)
    counts["questions"] = counts.sum(axis=1)
    return counts.reset_index()


def mistakes_found(course: Course, findings: pd.DataFrame) -> pd.DataFrame:
    """The course's mistakes (claims it prints wrong) and whether a run checked them."""
    # a claim two pipelines answered gets one status from both verdicts
    checked = findings.groupby("claim_id")["verdict"].agg(lambda v: _question_verdict(list(v)))
    rows = [
        {
            "claim_id": claim.id,
            "question": question.id,
            "course_printed": claim.course_printed,
            "corrected": claim.corrected,
            "verdict": checked.get(claim.id, NOT_YET_RUN),
        }
        for question in course.questions
        for claim in question.claims
        if claim.corrected
    ]
    return pd.DataFrame(
        rows, columns=["claim_id", "question", "course_printed", "corrected", "verdict"]
    )


def comparison_table(runs: Sequence[Mapping[str, Any]], metrics: Sequence[str]) -> pd.DataFrame:
    """A study's runs side by side: the chosen (best-epoch) metrics and only the
    parameters whose values differ between the runs."""
    if not runs:
        return pd.DataFrame()
    params = pd.DataFrame([run["params"] for run in runs])
    differing = [c for c in params.columns if params[c].astype(str).nunique(dropna=False) > 1]
    rows = []
    for run, (_, param_row) in zip(runs, params[differing].iterrows(), strict=True):
        row = {"run": run["name"], "run_id": run["run_id"], "experiment_id": run["experiment_id"]}
        row.update({m: run["metrics"].get(m) for m in metrics})
        row.update(param_row.to_dict())
        rows.append(row)
    return pd.DataFrame(rows)


def figure_data_uri(figure: Figure | bytes) -> str:
    """A PNG as a ``data:`` URI, so the report needs no other file."""
    if isinstance(figure, Figure):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        figure = buffer.getvalue()
    return "data:image/png;base64," + base64.b64encode(figure).decode("ascii")


@dataclass
class Comparison:
    """One study compared: its table, its overlaid curves, what was compared."""

    title: str
    table: pd.DataFrame
    curves: Figure | None = None


@dataclass
class ReportInputs:
    """What the report shows; ``evidence`` maps a file name under data/08_reporting to
    its loader, so figures and tables named by findings are embedded."""

    course: Course
    findings: pd.DataFrame
    comparisons: list[Comparison] = field(default_factory=list)
    evidence: Mapping[str, Callable[[], bytes]] = field(default_factory=dict)
    run_experiments: Mapping[str, str] = field(default_factory=dict)  # run id -> experiment id
    mlflow_ui: str = "http://127.0.0.1:5000"
    title: str = "dl-lab: the course, answered by experiment"


def _evidence_items(
    names: list[str], files: Mapping[str, Callable[[], bytes]], shown: set[str]
) -> list[dict]:
    """The figures and tables a finding names; one already shown higher up is linked to."""
    items = []
    for name in names:
        load = files.get(name)
        anchor = "ev-" + "".join(ch if ch.isalnum() else "-" for ch in name)
        if load is None:
            items.append({"name": name, "kind": "missing"})
        elif name in shown:
            items.append({"name": name, "kind": "seen", "anchor": anchor})
            continue
        elif name.endswith(".png"):
            items.append(
                {"name": name, "kind": "figure", "src": figure_data_uri(load()), "anchor": anchor}
            )
        elif name.endswith(".csv"):
            table = pd.read_csv(io.BytesIO(load()))
            items.append(
                {
                    "name": name,
                    "kind": "table",
                    "html": _table_html(table.head(30)),
                    "anchor": anchor,
                }
            )
        else:
            items.append({"name": name, "kind": "file"})
        shown.add(name)
    return items


def _table_html(table: pd.DataFrame) -> str:
    return table.to_html(index=False, classes="sortable", border=0, na_rep="", float_format="%.4g")


# MLflow 3.17's UI shows an experiment as GenAI (traces, token usage) unless the page asks for
# the model-training view, whatever the experiment's mlflow.experimentKind tag says.
TRAINING_VIEW = "?workflowType=machine_learning"


def _run_link(inputs: ReportInputs, run_id: str) -> dict[str, str]:
    experiment = inputs.run_experiments.get(run_id)
    href = (
        f"{inputs.mlflow_ui}/#/experiments/{experiment}/runs/{run_id}{TRAINING_VIEW}"
        if experiment
        else ""
    )
    return {"id": run_id, "href": href}


def render_report(inputs: ReportInputs) -> str:
    """The report as one HTML page."""
    course, findings = inputs.course, inputs.findings
    status = question_status(course, findings)
    units, shown = [], set()
    for unit in course.units():
        questions = []
        for question in course.by_unit(unit):
            rows = findings[findings["question"] == question.id]
            answers = [
                {
                    **row,
                    "evidence_items": _evidence_items(
                        split_list(row["evidence"]), inputs.evidence, shown
                    ),
                    "runs": [_run_link(inputs, run) for run in split_list(row["run_ids"])],
                }
                for row in rows.to_dict("records")
            ]
            questions.append(
                {
                    "question": question,
                    "status": status.loc[status["question"] == question.id, "status"].item(),
                    "answers": answers,
                    "unanswered": [c for c in question.claims if c.id not in set(rows["claim_id"])],
                }
            )
        units.append({"unit": unit, "questions": questions})
    comparisons = [
        {
            "title": c.title,
            "table": _table_html(c.table.drop(columns=["experiment_id"], errors="ignore")),
            "curves": figure_data_uri(c.curves) if c.curves is not None else None,
            "links": [
                {"name": r["run"], **_run_link(inputs, r["run_id"])}
                for r in c.table.to_dict("records")
            ],
        }
        for c in inputs.comparisons
    ]
    summary = unit_summary(status)
    return _TEMPLATES.get_template("report.html.j2").render(
        title=inputs.title,
        statuses=STATUSES,
        summary=summary.to_dict("records"),
        totals={s: int(summary[s].sum()) for s in STATUSES},
        mistakes=mistakes_found(course, findings).to_dict("records"),
        units=units,
        comparisons=comparisons,
        mlflow_ui=inputs.mlflow_ui,
        not_reproduced=NOT_REPRODUCED,
    )


def plot_study_curves(
    curves: Mapping[str, Sequence[tuple[int, float]]], metric: str, title: str
) -> Figure:
    """Every run's per-epoch ``metric`` on one axis (epochs from 1), one line per run."""
    figure = Figure(figsize=(7.5, 3.8))
    axis = figure.subplots()
    for name, points in sorted(curves.items()):
        if points:
            steps, values = zip(*points, strict=True)
            axis.plot([s + 1 for s in steps], values, label=name, lw=1.4)
    axis.set(xlabel="epoch", ylabel=metric, title=title)
    axis.grid(alpha=0.3)
    if curves:
        axis.legend(fontsize=7, ncols=2 if len(curves) > 6 else 1, loc="best")
    figure.tight_layout()
    return figure
