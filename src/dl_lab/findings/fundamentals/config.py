"""The findings block (``fundamentals.findings``): the tolerances and thresholds of the rules."""

from __future__ import annotations

from pydantic import Field, NonNegativeFloat, PositiveFloat, field_validator

from dl_lab.config import StrictModel
from dl_lab.course.questions import load_course


class FindingsParams(StrictModel):
    """Tolerances and thresholds of the rules that turn the fundamentals tables into findings.

    Every one is required: the values and what they mean live in
    ``conf/base/parameters_fundamentals.yml`` (``fundamentals.findings``), none in Python.
    """

    worked_examples: dict[str, NonNegativeFloat]  # claim id -> |recomputed - course's number|
    round_off: NonNegativeFloat  # identities exact up to float64 round-off
    gradient_check: NonNegativeFloat  # relative error, backprop vs central differences
    fd_eps: PositiveFloat  # central-difference step of the gradients computed here
    minimum_w: NonNegativeFloat  # |w - 3| of a converged run on (w - 3)^2
    xor_success_rate: float = Field(ge=0, le=1)  # share of random inits that solve XOR
    accuracy_margin: NonNegativeFloat  # validation accuracy differences (fractions)
    mse_margin: NonNegativeFloat  # test-MSE differences on the sawtooth
    bit_error_margin: NonNegativeFloat  # bit-error-rate differences of the associators
    activity_margin: NonNegativeFloat  # mean activation / share of active units differences
    steps_margin: NonNegativeFloat  # steps-to-tolerance differences of the optimizer races
    reversals_margin: NonNegativeFloat  # direction-reversal count differences

    @field_validator("worked_examples")
    @classmethod
    def _known_claims(cls, tolerances: dict[str, float]) -> dict[str, float]:
        course = load_course()
        for claim_id in tolerances:
            try:
                course.claim(claim_id)
            except KeyError as unknown:  # the course's error names the close matches
                raise ValueError(str(unknown)) from None
        return tolerances

    def tolerance(self, claim_id: str) -> float:
        """The worked-example tolerance of ``claim_id``; a missing one fails naming it."""
        if claim_id not in self.worked_examples:
            raise KeyError(f"fundamentals.findings.worked_examples lacks {claim_id!r}")
        return self.worked_examples[claim_id]
