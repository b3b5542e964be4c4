"""Champion/challenger: promote a new model version only if it beats the champion.

The comparison, the alias update and the audit row happen inside an exclusive file lock
(``fcntl.flock``), and the current champion is read again inside it, so two retrainings
at once cannot both promote: the second one compares against whatever the first left.
The alias is the only thing promotion changes and it changes in one registry call, so a
retraining that fails or is killed at any earlier point leaves the champion as it was.
"""

from __future__ import annotations

import csv
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dl_lab import tracking

Evaluate = Callable[[str], dict[str, float]]


@dataclass
class Decision:
    """The outcome of one comparison, as written to the audit file."""

    timestamp: str
    model_name: str
    challenger_version: str
    champion_version: str | None
    metric: str
    challenger_value: float
    champion_value: float | None
    min_improvement: float
    promoted: bool
    reason: str
    champion_after: str | None


def decide(
    challenger: float, champion: float | None, min_improvement: float, metric: str
) -> tuple[bool, str]:
    """Promote when there is no champion, or the challenger wins by ``min_improvement``."""
    if champion is None:
        return True, "no champion yet: the first model is promoted"
    gain = challenger - champion
    if gain >= min_improvement:
        return (
            True,
            f"{metric} {challenger:.4f} beats {champion:.4f} by {gain:+.4f} >= {min_improvement}",
        )
    return (
        False,
        f"{metric} {challenger:.4f} vs champion {champion:.4f}: {gain:+.4f} < {min_improvement}",
    )


@contextmanager
def exclusive_lock(path: Path | str, timeout_s: float, poll_s: float = 0.2) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``; the OS releases it if the process dies."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"another retraining holds {path} for more than {timeout_s} s; "
                        "nothing was promoted"
                    ) from None
                time.sleep(poll_s)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def append_audit(path: Path | str, row: dict[str, Any]) -> None:
    """Append one row to the audit CSV under its existing header (or a new one), fsynced."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = None
    if path.exists() and path.stat().st_size > 0:
        with path.open(newline="") as handle:
            header = next(csv.reader(handle))
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(row))  # unknown keys raise
        if header is None:
            writer.writeheader()
        writer.writerow(row)
        handle.flush()
        os.fsync(handle.fileno())


def compare_and_promote(
    model_name: str,
    alias: str,
    challenger_version: str,
    evaluate: Evaluate,
    metric: str,
    min_improvement: float,
    lock_path: Path | str,
    lock_timeout_s: float,
    audit_path: Path | str,
    context: dict[str, Any],
) -> Decision:
    """Under the lock: score challenger and champion, move the alias if the challenger wins.

    ``context`` (run id, data fingerprint, ...) is written beside the decision in the audit.
    """
    with exclusive_lock(lock_path, lock_timeout_s):
        champion = tracking.model_version_by_alias(model_name, alias)
        champion_version = champion["version"] if champion else None
        challenger_scores = evaluate(f"models:/{model_name}/{challenger_version}")
        tracking.set_model_version_tags(model_name, challenger_version, challenger_scores)
        champion_value = None
        if champion_version is not None:
            champion_scores = evaluate(f"models:/{model_name}/{champion_version}")
            tracking.set_model_version_tags(model_name, champion_version, champion_scores)
            champion_value = champion_scores[metric]
        promoted, reason = decide(
            challenger_scores[metric], champion_value, min_improvement, metric
        )
        if promoted:
            tracking.set_model_alias(model_name, alias, challenger_version)
        decision = Decision(
            timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
            model_name=model_name,
            challenger_version=challenger_version,
            champion_version=champion_version,
            metric=metric,
            challenger_value=challenger_scores[metric],
            champion_value=champion_value,
            min_improvement=min_improvement,
            promoted=promoted,
            reason=reason,
            champion_after=challenger_version if promoted else champion_version,
        )
        append_audit(audit_path, {**asdict(decision), **context})
    return decision
