"""The packaged course: every question id of CURRICULUM.md, in order, with valid claims; and
the loader's validation, each failure on a small YAML written to tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from dl_lab.course.questions import KINDS, Course, UnknownIdError, load_course

# The rows of CURRICULUM.md's per-question table, in order: 27 + 25 + 26 + 26 = 104.
# 1.6* is printed "2.6" in the course; there is no 1.8 and no 4.13; 1.10 and 4.12 are split.
EXPECTED_IDS = (
    ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6*", "1.7", "1.9", "1.10a", "1.10b"]
    + [f"1.{n}" for n in range(11, 28)]
    + [f"2.{n}" for n in range(1, 26)]
    + [f"3.{n}" for n in range(1, 27)]
    + [f"4.{n}" for n in range(1, 12)]
    + ["4.12a", "4.12b"]
    + [f"4.{n}" for n in range(14, 27)]
)

# CURRICULUM §4 mistakes that must be carried as corrected claims.
REQUIRED_MISTAKES = {
    "2.10-hand-weights": "2.10",  # XOR weights only work transposed
    "3.15-stride1-map": "3.15",  # both printed stride maps are wrong
    "3.15-stride2-map": "3.15",
    "2.5-huber": "2.5",  # Huber form for |e| > delta
    "2.8-threshold": "2.8",  # "eta > 0.5 diverges"
    "2.12-update": "2.12",  # L2 penalty counted twice
    "2.17-mse-gradient": "2.17",  # MSE gradient sign
    "3.24-resnet152": "3.24",  # ResNet-152 is ~60M, not 25M
}


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


def test_the_packaged_file_loads_and_is_cached(course: Course) -> None:
    assert isinstance(course, Course)
    assert load_course() is course


def test_exactly_the_curriculum_ids_in_order(course: Course) -> None:
    assert len(EXPECTED_IDS) == 104
    assert course.ids() == EXPECTED_IDS


def test_units_follow_the_ids(course: Course) -> None:
    assert course.units() == [1, 2, 3, 4]
    assert [len(course.by_unit(unit)) for unit in course.units()] == [27, 25, 26, 26]
    for question in course.questions:
        assert question.unit == int(question.id[0])


def test_every_question_has_claims_with_prefixed_unique_ids(course: Course) -> None:
    seen: set[str] = set()
    for question in course.questions:
        assert 1 <= len(question.claims) <= 5, question.id
        assert question.title.strip()
        for claim in question.claims:
            assert claim.id.startswith(f"{question.id}-")
            assert claim.id not in seen
            assert claim.kind in KINDS
            assert claim.says.strip()
            seen.add(claim.id)
    assert len(seen) == len(course.claims())


def test_number_claims_have_values(course: Course) -> None:
    for claim in course.claims():
        if claim.kind == "number":
            assert claim.value is not None, claim.id


def test_the_course_mistakes_include_the_known_ones(course: Course) -> None:
    mistakes = {claim.id: claim for claim in course.mistakes()}
    for claim_id, question_id in REQUIRED_MISTAKES.items():
        assert claim_id in mistakes, claim_id
        assert course.question_of(claim_id).id == question_id
        claim = mistakes[claim_id]
        assert claim.corrected and claim.course_printed
    assert {claim.question_id for claim in course.mistakes()} >= {
        "2.10",
        "3.15",
        "2.5",
        "2.8",
        "2.12",
        "2.17",
        "3.24",
    }
    assert all(claim.is_mistake for claim in course.mistakes())


def test_corrected_values_are_the_true_ones(course: Course) -> None:
    assert course.claim("3.15-stride1-map").value == [[25, 16, 17], [22, 21, 16], [20, 13, 18]]
    assert course.claim("3.15-stride2-map").value == [[25, 17], [20, 18]]
    assert course.claim("2.10-hand-weights").value["W1"] == [[10, 10], [-10, -10]]
    assert course.claim("3.24-resnet152").value == pytest.approx(60e6, rel=0.05)
    assert course.claim("1.16-best-epoch").value == 3
    assert course.claim("1.16-stop-epoch").value == 6
    assert course.claim("1.10a-params").value == 109386
    assert course.claim("3.8-params").value == 421642


def test_illustrative_claims_are_flagged(course: Course) -> None:
    illustrative = {claim.id for claim in course.claims() if claim.illustrative}
    for question_id in ("1.7", "1.17", "1.19", "1.22", "2.12", "2.20", "1.10b"):
        assert any(claim_id.startswith(f"{question_id}-") for claim_id in illustrative)


def test_lookups_and_close_matches(course: Course) -> None:
    assert course.question("1.6*").unit == 1
    assert course.claim("1.16-best-epoch").kind == "number"
    with pytest.raises(UnknownIdError, match="1.16-best-epoch"):
        course.claim("1.16-best-epok")
    with pytest.raises(KeyError, match="unknown question id '4.13'"):
        course.question("4.13")
    with pytest.raises(ValueError, match="unknown unit"):
        course.by_unit(5)


# ------------------------------------------------------------------ validation


def _claim(claim_id: str, **extra: object) -> dict[str, object]:
    return {"id": claim_id, "says": "something the course states", "kind": "fact", **extra}


def _question(question_id: str, *claims: dict[str, object], unit: int | None = None) -> dict:
    return {
        "id": question_id,
        "unit": int(question_id[0]) if unit is None else unit,
        "title": "a title",
        "claims": list(claims) or [_claim(f"{question_id}-only")],
    }


def _write(tmp_path: Path, *questions: dict) -> Path:
    path = tmp_path / "questions.yml"
    path.write_text(yaml.safe_dump({"questions": list(questions)}), encoding="utf-8")
    return path


def test_a_small_valid_file_loads(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _question("1.1", _claim("1.1-a"), _claim("1.1-b", kind="number", value=3)),
        _question("2.4", _claim("2.4-a", corrected="true", course_printed="printed")),
    )
    course = load_course(path)
    assert course.ids() == ["1.1", "2.4"]
    assert [claim.id for claim in course.mistakes()] == ["2.4-a"]
    assert load_course(path) is not course  # only the packaged file is cached


def test_duplicate_question_id_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1"), _question("1.1", _claim("1.1-other")))
    with pytest.raises(ValidationError, match="duplicate question id '1.1'"):
        load_course(path)


def test_duplicate_claim_id_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", _claim("1.1-a"), _claim("1.1-a")))
    with pytest.raises(ValidationError, match="duplicate claim id '1.1-a'"):
        load_course(path)


def test_claim_id_without_its_question_prefix_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", _claim("1.2-a")))
    with pytest.raises(ValidationError, match="must be '1.1-<slug>'"):
        load_course(path)


def test_claim_id_whose_prefix_only_looks_alike_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", _claim("1.10-a")))
    with pytest.raises(ValidationError, match="must be '1.1-<slug>'"):
        load_course(path)


def test_unit_mismatch_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("2.3", unit=3))
    with pytest.raises(ValidationError, match="unit 3 does not match"):
        load_course(path)


def test_unit_out_of_range_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", unit=5))
    with pytest.raises(ValidationError, match="unit"):
        load_course(path)


def test_corrected_without_course_printed_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", _claim("1.1-a", corrected="what is true")))
    with pytest.raises(ValidationError, match="'course_printed' is missing"):
        load_course(path)


def test_course_printed_without_corrected_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", _claim("1.1-a", course_printed="printed")))
    with pytest.raises(ValidationError, match="'corrected' is missing"):
        load_course(path)


def test_unknown_kind_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", _claim("1.1-a", kind="guess")))
    with pytest.raises(ValidationError, match="kind"):
        load_course(path)


def test_number_without_value_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", _claim("1.1-a", kind="number")))
    with pytest.raises(ValidationError, match="needs a 'value'"):
        load_course(path)


def test_unknown_key_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, _question("1.1", _claim("1.1-a", tolerance=0.1)))
    with pytest.raises(ValidationError, match="tolerance"):
        load_course(path)


def test_unquoted_numeric_id_fails(tmp_path: Path) -> None:
    path = tmp_path / "questions.yml"
    path.write_text(
        "questions:\n  - id: 1.10\n    unit: 1\n    title: t\n"
        "    claims:\n      - {id: '1.10-a', says: s, kind: fact}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError):
        load_course(path)


def test_question_without_claims_fails(tmp_path: Path) -> None:
    question = _question("1.1")
    question["claims"] = []
    path = _write(tmp_path, question)
    with pytest.raises(ValidationError, match="claims"):
        load_course(path)
