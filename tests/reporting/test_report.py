from dl_lab.course.findings import finding, findings_table
from dl_lab.course.questions import load_course
from dl_lab.course.rules import within
from dl_lab.reporting.report import ReportInputs, render_report


def test_run_links_open_mlflow_on_the_training_view():
    course = load_course()
    claim_id = course.claims()[0].id
    verdict = within([0.50, 0.51, 0.49], expected=0.5, tolerance=0.1)
    row = finding("vision", claim_id, "0.50", verdict, run_ids=["abc123"], course=course)
    html = render_report(
        ReportInputs(
            course=course,
            findings=findings_table([row]),
            run_experiments={"abc123": "7"},
            mlflow_ui="http://127.0.0.1:5000",
        )
    )
    assert "http://127.0.0.1:5000/#/experiments/7/runs/abc123?workflowType=machine_learning" in html
