"""Wall time, peak memory and CPU use of the default ``kedro run``, pipeline by pipeline.

Copies the project (conf, src, pyproject; empty data layers) into a scratch folder and runs,
one after the other, ``kedro run --pipelines <name>`` for each pipeline of ``__default__``
in the order the tour runs them (data_processing first, reporting last), so each figure is
that pipeline's share of ``make run``. For each: wall seconds, peak resident memory of the
process tree (``ru_maxrss`` of the children), and CPU utilisation ((user + system) / wall,
in cores). Prints a Markdown table for BENCHMARKS.md.

    .venv/bin/python bench/e2e.py                   # every pipeline of the tour, conf/base
    .venv/bin/python bench/e2e.py --env test        # the same at test sizes (a minute)
    .venv/bin/python bench/e2e.py --pipelines data_processing vision
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dl_lab.pipeline_registry import NOT_IN_DEFAULT, REPORT, available_pipelines

ROOT = Path(__file__).resolve().parents[1]
KEDRO = Path(sys.executable).with_name("kedro")


def tour() -> list[str]:
    """The pipelines of ``__default__``: data_processing first (the others read its output),
    reporting last (it reads theirs)."""
    names = [n for n in available_pipelines() if n not in NOT_IN_DEFAULT]
    middle = sorted(set(names) - {"data_processing", REPORT})
    return ["data_processing", *middle, REPORT]


LAYERS = ("01_raw", "02_intermediate", "03_primary", "04_feature", "05_model_input",
          "06_models", "07_model_output", "08_reporting")  # fmt: skip


def project_copy(dest: Path) -> Path:
    """What `kedro run` needs, in ``dest``: pyproject, conf (no local), src, empty data."""
    for name in ("pyproject.toml", ".telemetry"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "conf", dest / "conf", ignore=shutil.ignore_patterns("local"))
    (dest / "conf" / "local").mkdir()
    shutil.copytree(ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for layer in LAYERS:
        (dest / "data" / layer).mkdir(parents=True)
    return dest


def run_one(project: Path, pipeline: str, env: str) -> dict[str, float | str]:
    """``kedro run --pipelines <pipeline>``: seconds, peak RSS (MiB), cores used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    environ = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg")
    done = subprocess.run(
        [str(KEDRO), "run", "--env", env, "--pipelines", pipeline],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"kedro run --pipelines {pipeline} failed:\n{done.stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "pipeline": pipeline,
        "wall_s": wall,
        # ru_maxrss of children is the largest child so far: monotone, so report the running peak
        "peak_rss_mib": after.ru_maxrss / 1024,
        "cores_used": cpu / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="base", help="Kedro environment (default: base)")
    parser.add_argument("--pipelines", nargs="+", default=tour())
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        project = project_copy(Path(tmp))
        for pipeline in args.pipelines:
            rows.append(run_one(project, pipeline, args.env))
            print(f"{pipeline:16s} {rows[-1]['wall_s']:7.1f} s", file=sys.stderr)
    total = sum(float(r["wall_s"]) for r in rows)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}"
    )
    print(f"command: .venv/bin/python bench/e2e.py --env {args.env}\n")
    print("| pipeline | wall s | peak RSS MiB (so far) | cores used |")
    print("| --- | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['pipeline']} | {row['wall_s']:.1f} | {row['peak_rss_mib']:.0f} "
            f"| {row['cores_used']:.2f} |"
        )
    print(f"| **total** | **{total:.1f}** | | |")


if __name__ == "__main__":
    main()
