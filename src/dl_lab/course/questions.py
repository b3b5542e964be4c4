"""The course as data: ``questions.yml`` beside this module, validated into a ``Course``.

Every question of the course (1.1 ... 4.26, with ``1.6*``, ``1.10a``/``1.10b`` and
``4.12a``/``4.12b``) carries its unit, a short title and the claims the course makes there.
A claim is a ``number`` (a value to reproduce with a tolerance), a ``direction`` (an effect
that should go one way), a ``formula`` or a ``fact`` (conceptual, not measured here). Where
the course is wrong (CURRICULUM §4) a claim has ``corrected`` and ``course_printed``; its
``value`` is then the true one, and a finding's verdict is about the corrected claim. An
``illustrative`` number is an invented example: only its direction is checked::

    course = load_course()
    course.claim("1.16-best-epoch").value        # 3
    [c.id for c in course.mistakes()]            # the course's errors, corrected
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, PrivateAttr, field_validator, model_validator

from dl_lab.config import StrictModel

KINDS = ("number", "direction", "formula", "fact")
"""The kinds of claim: measured value, direction of an effect, formula, conceptual fact."""

QUESTION_ID = re.compile(r"^[1-4]\.[1-9][0-9]*(\*|[ab])?$")
"""A question id: unit digit, dot, number, optional ``*`` (1.6*) or ``a``/``b`` suffix."""

CLAIM_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""The part of a claim id after ``<question>-``: lowercase words joined by hyphens."""

Kind = Literal["number", "direction", "formula", "fact"]
Value = int | float | str | list[Any] | dict[str, Any]


class UnknownIdError(KeyError):
    """A question or claim id the course does not have; the message names close matches."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class Claim(StrictModel):
    """One checkable statement the course makes in a question."""

    id: str
    says: str = Field(min_length=1)
    kind: Kind
    value: Value | None = None
    unit: str | None = None
    illustrative: bool = False
    corrected: str | None = None
    course_printed: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        if (self.corrected is None) != (self.course_printed is None):
            missing = "course_printed" if self.course_printed is None else "corrected"
            raise ValueError(
                f"claim {self.id!r}: 'corrected' and 'course_printed' go together; {missing!r} is missing"
            )
        if self.kind == "number" and self.value is None:
            raise ValueError(f"claim {self.id!r}: a 'number' claim needs a 'value'")
        if self.unit is not None and self.value is None:
            raise ValueError(f"claim {self.id!r}: 'unit' without a 'value'")
        return self

    @property
    def question_id(self) -> str:
        """The id of the question this claim belongs to (the part before the slug)."""
        return _question_part(self.id)

    @property
    def is_mistake(self) -> bool:
        """True where the course printed something wrong and ``corrected`` says what is true."""
        return self.corrected is not None


def _question_part(claim_id: str) -> str:
    """``"1.16-best-epoch"`` -> ``"1.16"``: question ids hold no hyphen, slugs follow one."""
    return claim_id.split("-", 1)[0]


class Question(StrictModel):
    """One question of the course with the claims it makes."""

    id: str
    unit: int = Field(ge=1, le=4)
    title: str = Field(min_length=1)
    claims: tuple[Claim, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not QUESTION_ID.match(value):
            raise ValueError(
                f"question id {value!r} is not of the form '<unit>.<n>' (optionally '*', 'a' or 'b')"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.unit != int(self.id[0]):
            raise ValueError(
                f"question {self.id!r}: unit {self.unit} does not match its id (unit {self.id[0]})"
            )
        prefix = f"{self.id}-"
        for claim in self.claims:
            slug = claim.id[len(prefix) :] if claim.id.startswith(prefix) else None
            if slug is None or not CLAIM_SLUG.match(slug):
                raise ValueError(
                    f"question {self.id!r}: claim id {claim.id!r} must be '{prefix}<slug>' "
                    "(lowercase words joined by '-')"
                )
        return self


class Course(StrictModel):
    """Every question of the course in order, with lookups by question and claim id."""

    questions: tuple[Question, ...] = Field(min_length=1)

    _questions: dict[str, Question] = PrivateAttr(default_factory=dict)
    _claims: dict[str, Claim] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> Course:
        questions: dict[str, Question] = {}
        claims: dict[str, Claim] = {}
        for question in self.questions:
            if question.id in questions:
                raise ValueError(f"duplicate question id {question.id!r}")
            questions[question.id] = question
            for claim in question.claims:
                if claim.id in claims:
                    raise ValueError(f"duplicate claim id {claim.id!r}")
                claims[claim.id] = claim
        self._questions = questions
        self._claims = claims
        return self

    def question(self, question_id: str) -> Question:
        """The question ``question_id``; an unknown id fails naming close matches."""
        try:
            return self._questions[question_id]
        except KeyError:
            raise _unknown("question", question_id, self._questions) from None

    def claim(self, claim_id: str) -> Claim:
        """The claim ``claim_id``; an unknown id fails naming close matches."""
        try:
            return self._claims[claim_id]
        except KeyError:
            raise _unknown("claim", claim_id, self._claims) from None

    def question_of(self, claim_id: str) -> Question:
        """The question the claim ``claim_id`` belongs to."""
        return self.question(_question_part(self.claim(claim_id).id))

    def ids(self) -> list[str]:
        """Every question id, in course order."""
        return [question.id for question in self.questions]

    def claims(self) -> list[Claim]:
        """Every claim, in course order."""
        return list(self._claims.values())

    def units(self) -> list[int]:
        """The units that have questions, ascending."""
        return sorted({question.unit for question in self.questions})

    def by_unit(self, unit: int) -> list[Question]:
        """The questions of ``unit``, in course order; an unknown unit fails."""
        if unit not in self.units():
            raise ValueError(f"unknown unit {unit!r}; units: {self.units()}")
        return [question for question in self.questions if question.unit == unit]

    def mistakes(self) -> list[Claim]:
        """The claims where the course is wrong (those with ``corrected``), in course order."""
        return [claim for claim in self._claims.values() if claim.corrected is not None]


def _unknown(kind: str, name: str, known: dict[str, Any]) -> UnknownIdError:
    close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return UnknownIdError(f"unknown {kind} id {name!r}{hint}")


def _read(path: Path | str) -> Course:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Course.model_validate(raw)


@lru_cache(maxsize=1)
def _packaged() -> Course:
    source = resources.files("dl_lab.course").joinpath("questions.yml")
    with resources.as_file(source) as path:
        return _read(path)


def load_course(path: Path | str | None = None) -> Course:
    """The course from ``path``, or the packaged ``questions.yml`` (read once, cached).

    Raises ``pydantic.ValidationError`` naming what is wrong: a duplicate question or claim
    id, a claim id without its question's prefix, a unit that does not match the id, an
    unknown ``kind``, ``corrected`` without ``course_printed`` (or the reverse).
    """
    if path is None:
        return _packaged()
    return _read(path)
