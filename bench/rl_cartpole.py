"""DQN on CartPole-v1: environment steps and wall time until the greedy evaluation is solved.

For each seed, trains the DQN of ``conf/base/parameters_rl.yml`` (study ``rl.dqn``) and
evaluates it greedily on 100 episodes every ``--eval-every`` steps, stopping at the first
evaluation whose mean return is >= 475 or at ``--max-steps``. The solved network is then
evaluated once more on 100 episodes it has never seen (``rl_budget.eval_seed``), so a lucky
evaluation shows up. Wall time includes the periodic evaluations.

    .venv/bin/python bench/rl_cartpole.py                # seeds of rl_budget, variant dqn
    .venv/bin/python bench/rl_cartpole.py --variant double_dqn --seeds 0 1 2

Prints a Markdown table (for BENCHMARKS.md) and writes it as CSV (``--out``).
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

from dl_lab.rl.agents import make_config, result_policy, train_agent
from dl_lab.rl.common import evaluate, no_log
from dl_lab.rl.config import Budget, DQNStudy
from dl_lab.rl.envs import EnvFactory

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "conf" / "base" / "parameters_rl.yml"


def parse_args() -> argparse.Namespace:
    parameters = yaml.safe_load(PARAMETERS.read_text())
    budget, study = Budget(**parameters["rl_budget"]), DQNStudy(**parameters["rl"]["dqn"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=budget.seeds)
    parser.add_argument("--variant", default="dqn", help="a variant of rl.dqn in parameters_rl.yml")
    parser.add_argument("--max-steps", type=int, default=50_000)
    parser.add_argument("--eval-every", type=int, default=1_000)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "data/08_reporting/rl/bench_cartpole.csv"
    )
    args = parser.parse_args()
    if args.variant not in study.variants:
        parser.error(f"--variant {args.variant!r}; allowed: {', '.join(study.variants)}")
    args.options = {**study.agent, **study.variants[args.variant]}
    args.fresh_seed = budget.eval_seed
    return args


def run_seed(options: dict, seed: int, args: argparse.Namespace) -> dict:
    """Train until solved (or the budget); time it; re-evaluate the result on fresh episodes."""
    config = make_config(
        "dqn",
        {
            **options,
            "total_timesteps": args.max_steps,
            "eval_every": args.eval_every,
            "stop_when_solved": True,
            "keep_best": True,
        },
        seed=seed,
    )
    env_fn = EnvFactory("CartPole-v1")
    start = time.perf_counter()
    result = train_agent("dqn", config, env_fn, no_log)
    wall = time.perf_counter() - start
    fresh = evaluate(result_policy(result), env_fn, episodes=100, seed=args.fresh_seed)
    return {
        "seed": seed,
        "steps_to_solve": result.extras["solved_at_step"],
        "solved": result.extras["solved_at_step"] is not None,
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


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()
    rows = [run_seed(args.options, seed, args) for seed in args.seeds]
    table = pd.DataFrame(rows)
    load_after = os.getloadavg()
    print(
        f"DQN ({args.variant}) on CartPole-v1, eval every {args.eval_every} steps, budget {args.max_steps}"
    )
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch threads "
        f"{args.options.get('torch_threads', 1)}, cuda {torch.cuda.is_available()}, load average "
        f"{load_before[0]:.2f} before / {load_after[0]:.2f} after (1 min)"
    )
    print(markdown(table))
    solved = table[table["solved"]]
    if len(solved):
        print(
            f"solved {len(solved)}/{len(table)}; steps to solve median {solved['steps_to_solve'].median():.0f}"
            f", max {solved['steps_to_solve'].max():.0f}; wall time max {solved['wall_time_s'].max():.1f} s"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.assign(variant=args.variant, load_before=load_before[0], load_after=load_after[0]).to_csv(
        args.out, index=False
    )
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
