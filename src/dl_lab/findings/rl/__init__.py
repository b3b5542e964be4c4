"""The rl pipeline's answers to the course (DESIGN §9): questions 4.3, 4.14, 4.16, 4.17, 4.18
and 4.25, one row per claim its tables measure, each verdict from a rule of
``dl_lab.course.rules`` with the tolerances of ``rl.findings``. A claim whose event never
happened in any run (no first success, nothing learned) is left out: it shows as not yet run.
"""

from __future__ import annotations

import pandas as pd

from dl_lab.course.findings import findings_table
from dl_lab.course.questions import load_course
from dl_lab.findings.rl.config import FindingsConfig
from dl_lab.findings.rl.control import control_findings
from dl_lab.findings.rl.grids import grid_findings
from dl_lab.findings.rl.measures import Tables


def answer(tables: Tables, config: FindingsConfig) -> pd.DataFrame:
    """The findings table of the rl pipeline, from the tables its studies wrote."""
    course = load_course()
    rows = control_findings(tables, config.dqn, config.reinforce, config.exploration, course)
    rows += grid_findings(tables, config.gridworld, config.shaping, course)
    return findings_table(rows)


__all__ = ["FindingsConfig", "Tables", "answer"]
