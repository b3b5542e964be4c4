"""Wall time, peak memory and CPU use of the default ``kedro run``, pipeline by pipeline.

Copies the project (conf, src, pyproject; empty data layers) into a scratch folder and runs,
one after the other, ``kedro run --pipelines <name>`` for each pipeline of ``__default__``
in the order the tour runs them (data_processing first, reporting last), so each figure is
that pipeline's share of ``make run``. For each: wall seconds, peak memory of the whole
process tree (the kedro process and its worker pool; from /proc, RSS every 0.5 s and PSS
every 2.5 s) as PSS (the physical memory it holds) and as the sum of RSS (shared pages
counted in each process), and CPU utilisation ((user + system) / wall, in cores). ``--whole`` also times one plain
``kedro run``, the command `make run` runs. Prints a Markdown table for BENCHMARKS.md, and
the host's speed before and after (``reference_step_ms``): this machine's speed moves by
half between hours, so wall times from two sessions compare only beside it.

    .venv/bin/python bench/e2e.py                   # every pipeline of the tour, conf/base
    .venv/bin/python bench/e2e.py --env test        # the same at test sizes (a minute)
    .venv/bin/python bench/e2e.py --pipelines data_processing vision
    .venv/bin/python bench/e2e.py --whole           # and one plain `kedro run`, as make run
    .venv/bin/python bench/e2e.py --whole --pipelines --keep /tmp/tour   # only that, kept
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


def _tree(root: int) -> set[int]:
    """``root`` and every process below it (its worker pools included)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return tree


def _memory_per_pid(pids: set[int], field: str) -> dict[int, float]:
    """``field`` of each of ``pids``, MiB: ``VmRSS`` (from /proc/PID/status: cheap to read)
    or ``Pss`` (from smaps_rollup: a walk of the page tables, so sampled seldom). A process
    that exited meanwhile is left out."""
    name, key = ("status", "VmRSS") if field == "VmRSS" else ("smaps_rollup", "Pss")
    found = {}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/{name}").read_text()
        except OSError:
            continue  # exited meanwhile
        for line in text.splitlines():
            if line.startswith(key + ":"):
                found[pid] = int(line.split()[1]) / 1024  # kB
                break
    return found


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds ``pid`` has used so far (None once it has exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _memory_mib(pids: set[int], field: str) -> float:
    """Sum over ``pids`` of ``field`` (``_memory_per_pid``)."""
    return sum(_memory_per_pid(pids, field).values())


def run_one(project: Path, pipeline: str | None, env: str) -> dict[str, float | str]:
    """``kedro run --pipelines <pipeline>`` (None: the plain ``kedro run``): seconds, peak
    resident memory of the whole process tree (sampled every 0.2 s), cores used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    environ = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg")
    command = [str(KEDRO), "run", "--env", env]
    if pipeline:
        command += ["--pipelines", pipeline]
    peak_rss = peak_pss = peak_main = main_cpu = 0.0
    # stderr to a file, not a pipe: a pipe nobody drains fills up (64 KiB) and blocks every
    # process that writes to it, the worker pool included
    with tempfile.TemporaryFile("w+") as errors:
        with subprocess.Popen(
            command, cwd=project, env=environ, stdout=subprocess.DEVNULL, stderr=errors
        ) as process:
            # RSS every 0.5 s, PSS every 2.5 s: sampling PSS every 0.2 s cost a fifth of a
            # core (reading smaps_rollup walks each process's page tables)
            samples = 0
            while process.poll() is None:
                tree = _tree(process.pid)
                rss = _memory_per_pid(tree, "VmRSS")
                peak_rss = max(peak_rss, sum(rss.values()))
                peak_main = max(peak_main, rss.get(process.pid, 0.0))
                main_cpu = _cpu_seconds(process.pid) or main_cpu
                if samples % 5 == 0:
                    peak_pss = max(peak_pss, _memory_mib(tree, "Pss"))
                samples += 1
                time.sleep(0.5)
        errors.seek(0)
        stderr = errors.read()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"kedro run --pipelines {pipeline} failed:\n{stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "pipeline": pipeline or "kedro run (all)",
        "wall_s": wall,
        "peak_rss_mib": peak_rss,
        "peak_pss_mib": peak_pss,
        "peak_main_rss_mib": peak_main,  # the kedro process alone, without its workers
        "cores_used": cpu / wall,  # workers that exit are counted (reaped by their parent)
        # the kedro process alone (last sample, up to 0.5 s before it exits): what the
        # workers' cores wait on while it tracks, logs and runs single-process nodes
        "main_cores": main_cpu / wall,
    }


def reference_step_ms(steps: int = 1000, repeats: int = 3) -> float:
    """The host's speed: milliseconds per gradient step of a fixed small net on one torch
    thread (the DQN agents' ``QNetwork`` for CartPole, 4-256-256-2, batch 64, fused Adam),
    best of ``repeats`` runs of ``steps``. Two runs of the tour compare by their wall times
    only where this figure is about the same."""
    import torch

    from dl_lab.models.agents import QNetwork
    from dl_lab.parallel import torch_threads

    with torch_threads(1):
        generator = torch.Generator().manual_seed(0)
        net = QNetwork(obs_dim=4, n_actions=2)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
        x, y = torch.randn(64, 4, generator=generator), torch.randn(64, 2, generator=generator)
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            for _ in range(steps):
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(net(x), y).backward()
                optimizer.step()
            best = min(best, (time.perf_counter() - started) / steps * 1e3)
        return best


def keep(project: Path, dest: Path) -> None:
    """What a reader checks after the run (the findings, the report, the log, the runs)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(project / "data" / "08_reporting", dest / "08_reporting", dirs_exist_ok=True)
    for name in ("info.log", "mlflow.db"):
        if (project / name).exists():
            shutil.copy(project / name, dest / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="base", help="Kedro environment (default: base)")
    parser.add_argument("--pipelines", nargs="*", default=tour())
    parser.add_argument(
        "--whole", action="store_true", help="also one plain `kedro run` (in a fresh copy)"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="copy the last project's data/08_reporting, info.log and mlflow.db here",
    )
    args = parser.parse_args()
    speed_before = reference_step_ms()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        project = project_copy(Path(tmp))
        for pipeline in args.pipelines:
            rows.append(run_one(project, pipeline, args.env))
            print(f"{pipeline:16s} {rows[-1]['wall_s']:7.1f} s", file=sys.stderr)
        if args.keep and not args.whole:
            keep(project, args.keep)
    if args.whole:
        with tempfile.TemporaryDirectory() as tmp:
            whole = run_one(project_copy(Path(tmp)), None, args.env)
            print(f"kedro run       {whole['wall_s']:7.1f} s", file=sys.stderr)
            if args.keep:
                keep(Path(tmp), args.keep)
    total = sum(float(r["wall_s"]) for r in rows)
    speed_after = reference_step_ms()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}"
    )
    print(
        f"host speed (reference_step_ms, lower is faster): {speed_before:.2f} ms before, "
        f"{speed_after:.2f} ms after"
    )
    flags = " --whole" if args.whole else ""
    if args.pipelines != tour():
        flags += " --pipelines " + " ".join(args.pipelines)
    print(f"command: .venv/bin/python bench/e2e.py --env {args.env}{flags}\n")
    print(
        "| pipeline | wall s | peak PSS MiB (process tree) | peak RSS MiB (sum) "
        "| peak RSS MiB (kedro process) | cores used | of which the kedro process |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['pipeline']} | {row['wall_s']:.1f} | {row['peak_pss_mib']:.0f} "
            f"| {row['peak_rss_mib']:.0f} | {row['peak_main_rss_mib']:.0f} "
            f"| {row['cores_used']:.2f} | {row['main_cores']:.2f} |"
        )
    print(f"| **sum of the pipelines** | **{total:.1f}** | | | | | |")
    if args.whole:
        print(
            f"| **`kedro run`, all at once** | **{whole['wall_s']:.1f}** "
            f"| **{whole['peak_pss_mib']:.0f}** | **{whole['peak_rss_mib']:.0f}** "
            f"| **{whole['peak_main_rss_mib']:.0f}** | **{whole['cores_used']:.2f}** "
            f"| **{whole['main_cores']:.2f}** |"
        )


if __name__ == "__main__":
    main()
