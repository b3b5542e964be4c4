"""DQN on CartPole-v1: environment steps, CPU and wall time until the greedy evaluation is solved.

For each seed (10 by default: a median of three hides a slow seed), trains the DQN of
``conf/base/parameters_rl.yml`` (study ``rl.dqn``) and evaluates it greedily on 100 episodes
every ``--eval-every`` steps, stopping at the first evaluation whose mean return is >= 475 or
at ``--max-steps``. The solved network is then evaluated once more on 100 episodes it has never
seen (``rl_budget.eval_seed``), so a lucky evaluation shows up. Times include the periodic
evaluations. The seeds run as independent jobs on the worker pool (``dl_lab.parallel``, one
torch thread each; ``DL_LAB_WORKERS=1`` runs them one by one): CPU time is the figure to
compare on a shared machine, wall time is what a job took beside the others.

    .venv/bin/python bench/rl_cartpole.py                          # variant dqn, seeds 42..51
    .venv/bin/python bench/rl_cartpole.py --variants dqn double_dqn dueling_dqn
    .venv/bin/python bench/rl_cartpole.py --variants double_dqn --seeds 0 1 2

Prints a Markdown table per seed and a summary per variant (solved seeds; median, total and
worst seed of steps, CPU and wall time; the median of the first three seeds beside it, as the
three-seed bench reported), and writes the per-seed table as CSV (``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import pandas as pd
import torch
import yaml

from dl_lab import parallel
from dl_lab.rl.agents import make_config, result_policy, train_agent
from dl_lab.rl.common import evaluate, no_log
from dl_lab.rl.config import Budget, DQNStudy
from dl_lab.rl.envs import EnvFactory

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "conf" / "base" / "parameters_rl.yml"
SEEDS = list(range(42, 52))  # the pipeline's three seeds (42, 43, 44) first


def parse_args() -> argparse.Namespace:
    parameters = yaml.safe_load(PARAMETERS.read_text())
    budget, study = Budget(**parameters["rl_budget"]), DQNStudy(**parameters["rl"]["dqn"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=SEEDS)
    parser.add_argument(
        "--variants", nargs="+", default=["dqn"], help="variants of rl.dqn in parameters_rl.yml"
    )
    parser.add_argument("--max-steps", type=int, default=50_000)
    parser.add_argument("--eval-every", type=int, default=1_000)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "data/08_reporting/rl/bench_cartpole.csv"
    )
    args = parser.parse_args()
    unknown = [v for v in args.variants if v not in study.variants]
    if unknown:
        parser.error(f"--variants {unknown}; allowed: {', '.join(study.variants)}")
    args.options = {v: {**study.agent, **study.variants[v]} for v in args.variants}
    args.fresh_seed = budget.eval_seed
    return args


def run_seed(options: dict, seed: int, max_steps: int, eval_every: int, fresh_seed: int) -> dict:
    """Train until solved (or the budget); time it; re-evaluate the result on fresh episodes."""
    config = make_config(
        "dqn",
        {
            **options,
            "total_timesteps": max_steps,
            "eval_every": eval_every,
            "stop_when_solved": True,
            "keep_best": True,
        },
        seed=seed,
    )
    env_fn = EnvFactory("CartPole-v1")
    cpu, start = time.process_time(), time.perf_counter()
    result = train_agent("dqn", config, env_fn, no_log)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    fresh = evaluate(result_policy(result), env_fn, episodes=100, seed=fresh_seed)
    return {
        "seed": seed,
        "steps_to_solve": result.extras["solved_at_step"],
        "solved": result.extras["solved_at_step"] is not None,
        "cpu_time_s": round(cpu, 1),
        "wall_time_s": round(wall, 1),
        "best_eval_mean_return": round(result.extras["best_eval_return"], 1),
        "fresh_eval_mean_return": round(float(fresh.mean()), 1),
        "episodes": len(result.episode_returns),
    }


def markdown(table: pd.DataFrame) -> str:
    """``table`` as a Markdown table."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
    lines += [
        "| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)
    ]
    return "\n".join(lines)


def summary(table: pd.DataFrame, max_steps: int) -> pd.DataFrame:
    """Per variant: solved seeds; median, total and worst seed of steps (an unsolved seed
    counts its whole budget), CPU and wall time; and the median of the first three seeds."""
    rows = []
    for variant, runs in table.groupby("variant", sort=False):
        steps = runs["steps_to_solve"].fillna(max_steps)
        rows.append(
            {
                "variant": variant,
                "solved": f"{int(runs['solved'].sum())}/{len(runs)}",
                "steps median": f"{steps.median():,.0f}",
                "steps total": f"{steps.sum():,.0f}",
                "steps worst (seed)": f"{steps.max():,.0f} ({runs.loc[steps.idxmax(), 'seed']})",
                "first 3 seeds: steps median": f"{steps.iloc[:3].median():,.0f}",
                "CPU s median / total / worst": (
                    f"{runs['cpu_time_s'].median():.1f} / {runs['cpu_time_s'].sum():.1f} / "
                    f"{runs['cpu_time_s'].max():.1f}"
                ),
                "wall s median / worst": (
                    f"{runs['wall_time_s'].median():.1f} / {runs['wall_time_s'].max():.1f}"
                ),
                "fresh return min": runs["fresh_eval_mean_return"].min(),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    args = parse_args()
    jobs = [
        {
            "options": args.options[variant],
            "seed": seed,
            "max_steps": args.max_steps,
            "eval_every": args.eval_every,
            "fresh_seed": args.fresh_seed,
        }
        for variant in args.variants
        for seed in args.seeds
    ]
    load_before, started = os.getloadavg(), time.perf_counter()
    results = parallel.run_all(run_seed, jobs)
    elapsed, load_after = time.perf_counter() - started, os.getloadavg()
    variants = [variant for variant in args.variants for _ in args.seeds]
    table = pd.DataFrame(results).assign(variant=variants)
    print(
        f"DQN ({', '.join(args.variants)}) on CartPole-v1, eval every {args.eval_every} steps, "
        f"budget {args.max_steps}, seeds {' '.join(map(str, args.seeds))}"
    )
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{parallel.available_workers()} worker processes of one torch thread, cuda "
        f"{torch.cuda.is_available()}, load average {load_before[0]:.2f} before / "
        f"{load_after[0]:.2f} after (1 min), {elapsed:.0f} s in all"
    )
    print(markdown(table[["variant", *table.columns.drop("variant")]]))
    print()
    print(markdown(summary(table, args.max_steps)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.assign(load_before=load_before[0], load_after=load_after[0]).to_csv(args.out, index=False)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
