"""Champion/challenger: the margin rule, the lock, the audit, and failure safety."""

from __future__ import annotations

import csv
import fcntl
import threading
import time

import pytest

from dl_lab.lifecycle import champion
from dl_lab.lifecycle.champion import compare_and_promote, decide, exclusive_lock


class FakeRegistry:
    """The registry calls that promotion makes, in memory."""

    def __init__(self, champion_version: str | None = None) -> None:
        self.alias: str | None = champion_version
        self.tags: dict[str, dict] = {}
        self.alias_moves = 0

    def model_version_by_alias(self, name, alias):
        return None if self.alias is None else {"version": self.alias, "run_id": "r", "tags": {}}

    def set_model_version_tags(self, name, version, tags):
        self.tags.setdefault(version, {}).update(tags)

    def set_model_alias(self, name, alias, version):
        self.alias = version
        self.alias_moves += 1


@pytest.fixture
def registry(monkeypatch):
    fake = FakeRegistry()
    monkeypatch.setattr(champion, "tracking", fake)
    return fake


def promote(tmp_path, version: str, scores: dict[str, float], margin: float = 0.01, delay=0.0):
    def evaluate(uri: str) -> dict[str, float]:
        time.sleep(delay)
        return {"test_acc": scores[uri.rsplit("/", 1)[1]]}

    return compare_and_promote(
        "m",
        "champion",
        version,
        evaluate,
        "test_acc",
        margin,
        tmp_path / "retraining.lock",
        30,
        tmp_path / "audit.csv",
        {"run_id": f"run{version}"},
    )


def audit_rows(tmp_path) -> list[dict[str, str]]:
    with (tmp_path / "audit.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_margin_rule():
    assert decide(0.90, None, 0.01, "test_acc")[0]
    assert decide(0.92, 0.90, 0.01, "test_acc")[0]
    assert not decide(0.905, 0.90, 0.01, "test_acc")[0]
    promoted, reason = decide(0.90, 0.90, 0.005, "test_acc")
    assert not promoted and "+0.0000 < 0.005" in reason


def test_first_model_is_promoted_then_only_a_clear_winner(registry, tmp_path):
    scores = {"1": 0.90, "2": 0.905, "3": 0.95}
    first = promote(tmp_path, "1", scores)
    assert first.promoted and registry.alias == "1" and first.reason.startswith("no champion")
    second = promote(tmp_path, "2", scores)
    assert not second.promoted and registry.alias == "1" and second.champion_value == 0.90
    third = promote(tmp_path, "3", scores)
    assert third.promoted and registry.alias == "3"
    rows = audit_rows(tmp_path)
    assert [(r["challenger_version"], r["promoted"], r["champion_after"]) for r in rows] == [
        ("1", "True", "1"),
        ("2", "False", "1"),
        ("3", "True", "3"),
    ]
    assert rows[1]["run_id"] == "run2" and rows[1]["champion_version"] == "1"
    assert registry.tags["2"] == {"test_acc": 0.905}


def test_failure_during_comparison_leaves_champion_and_audit_untouched(registry, tmp_path):
    registry.alias = "1"

    def broken(uri: str) -> dict[str, float]:
        raise RuntimeError("model could not be loaded")

    with pytest.raises(RuntimeError):
        compare_and_promote(
            "m",
            "champion",
            "2",
            broken,
            "test_acc",
            0.0,
            tmp_path / "l",
            5,
            tmp_path / "audit.csv",
            {},
        )
    assert registry.alias == "1" and registry.alias_moves == 0
    assert not (tmp_path / "audit.csv").exists()


def test_two_concurrent_retrainings_cannot_both_promote(registry, tmp_path):
    # Both challengers beat the initial champion, neither beats the other by the margin.
    registry.alias = "1"
    scores = {"1": 0.80, "2": 0.90, "3": 0.90}
    results = {}

    def retrain(version: str) -> None:
        results[version] = promote(tmp_path, version, scores, delay=0.2)

    threads = [threading.Thread(target=retrain, args=(v,)) for v in ("2", "3")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.promoted for r in results.values()) == 1
    loser = next(r for r in results.values() if not r.promoted)
    assert loser.champion_version == registry.alias  # compared against the new champion
    assert len(audit_rows(tmp_path)) == 2


def test_lock_times_out_with_a_clear_message(tmp_path):
    path = tmp_path / "retraining.lock"
    with path.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(TimeoutError, match="another retraining holds"):
            with exclusive_lock(path, timeout_s=0.3):
                pass
    with exclusive_lock(path, timeout_s=0.3):  # released with the holder's file
        pass


def test_audit_refuses_a_changed_column_set(tmp_path):
    champion.append_audit(tmp_path / "a.csv", {"a": 1, "b": 2})
    champion.append_audit(tmp_path / "a.csv", {"b": 3, "a": 4})  # same keys, other order
    assert audit_rows_of(tmp_path / "a.csv") == [{"a": "1", "b": "2"}, {"a": "4", "b": "3"}]
    with pytest.raises(ValueError):
        champion.append_audit(tmp_path / "a.csv", {"a": 1, "c": 2})


def audit_rows_of(path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))
