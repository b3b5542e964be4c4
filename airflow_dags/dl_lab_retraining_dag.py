from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import dag, task

from kedro.framework.session import KedroSession
from kedro.framework.project import configure_project

# Kedro settings required to run your pipeline
env = "local"
pipeline_name = "retraining"
project_path = Path.cwd()
package_name = "dl_lab"
conf_source = "" or Path.cwd() / "conf"


def _run_kedro_node(node_names=None, namespaces=None):
    """Run a Kedro pipeline slice. Pass node_names for regular node groups or namespaces for namespace groups."""
    configure_project(package_name)
    with KedroSession.create(project_path=project_path, env=env, conf_source=conf_source) as session:
        if namespaces is not None:
            session.run(pipeline_names=[pipeline_name], namespaces=namespaces)
        else:
            session.run(pipeline_names=[pipeline_name], node_names=node_names)


@dag(
    dag_id="dl-lab",
    start_date=datetime(2025,1,5),
    max_active_runs=1,
    schedule="@weekly",
    catchup=False,
    default_args=dict(
        owner="dl-lab",
        depends_on_past=False,
        email_on_failure=False,
        email_on_retry=False,
        retries=1,
        retry_delay=timedelta(minutes=30)
    ),
)
def dl_lab():

    @task(task_id="choose-challenger-config")
    def choose_challenger_config():
        _run_kedro_node(node_names=["choose_challenger_config"])

    @task(task_id="validate-incoming-data-train-challenger")
    def validate_incoming_data_train_challenger():
        _run_kedro_node(node_names=["validate_incoming_data", "train_challenger"])

    @task(task_id="promote-if-better")
    def promote_if_better():
        _run_kedro_node(node_names=["promote_if_better"])

    tasks = {
        "choose-challenger-config": choose_challenger_config(),
        "validate-incoming-data-train-challenger": validate_incoming_data_train_challenger(),
        "promote-if-better": promote_if_better(),
    }
    tasks["choose-challenger-config"] >> tasks["validate-incoming-data-train-challenger"]
    tasks["validate-incoming-data-train-challenger"] >> tasks["promote-if-better"]


dl_lab()