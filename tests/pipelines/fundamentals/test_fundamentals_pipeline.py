"""`kedro run --pipelines fundamentals --env test` end to end: reports on disk and in MLflow."""

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from dl_lab.pipelines.fundamentals import create_pipeline


def _reports() -> set[str]:
    names = create_pipeline().all_outputs()
    files = set()
    for name in names:
        stem = name.removeprefix("fundamentals_")
        if stem.endswith("_table"):
            files.add(stem.removesuffix("_table") + ".csv")
        elif stem.endswith("_plot"):
            files.add(stem.removesuffix("_plot") + ".png")
    return files


@pytest.mark.slow
def test_fundamentals_pipeline_writes_reports_and_mlflow_run(fresh_project):
    fresh_project.run("--pipelines", "fundamentals")
    out = fresh_project.path / "data" / "08_reporting" / "fundamentals"
    expected = _reports()
    assert {"truth_tables.csv", "gradient_check.csv", "xor_boundaries.png"} <= expected
    assert expected <= {f.name for f in out.iterdir()}

    truth = pd.read_csv(out / "truth_tables.csv")
    assert (truth["output"] == truth["expected"]).all() and set(truth["gate"]) >= {
        "AND",
        "OR",
        "NOT",
    }
    assert pd.read_csv(out / "gradient_check.csv")["relative_error"].max() < 1e-6
    perceptron = pd.read_csv(out / "perceptron.csv").set_index("data")
    assert not perceptron.loc["XOR", "converged"] and perceptron.loc["AND", "converged"]
    assert (
        pd.read_csv(out / "threshold_search.csv").set_index("function").loc["XOR", "units_found"]
        == 0
    )

    reporting = fresh_project.path / "data" / "08_reporting"
    findings = pd.read_csv(reporting / "findings" / "fundamentals.csv", keep_default_na=False)
    assert len(findings) >= 35 and findings["claim_id"].is_unique
    assert set(findings["verdict"]) <= {"reproduced", "not_reproduced", "partly", "inconclusive"}
    evidence = {path for cell in findings["evidence"] if cell for path in cell.split(" | ")}
    assert evidence and all((reporting / path).is_file() for path in evidence)
    verdicts = findings.set_index("claim_id")["verdict"]
    assert verdicts["2.8-eta-1"] == verdicts["2.10-hand-weights"] == "reproduced"

    client = MlflowClient(tracking_uri=fresh_project.tracking_uri)
    experiment = client.get_experiment_by_name("dl-lab/fundamentals")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED"
    metrics = run.data.metrics
    assert metrics["fundamentals.gradcheck_max_relative_error"] < 1e-6
    assert metrics["fundamentals.xor_units_found"] == 0
    assert 0 <= metrics["fundamentals.xor_success_rate_2_4_1"] <= 1
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "fundamentals")}
    assert {f"fundamentals/{name}" for name in expected} <= artifacts
