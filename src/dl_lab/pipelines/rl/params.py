"""What of the ``rl`` parameter block the wiring reads itself: which keys are studies.

The study models are the library's (``dl_lab.rl.config``), the findings block's
``dl_lab.findings.rl.config``.
"""

from __future__ import annotations

from typing import Any

NOT_STUDIES = ("findings",)
"""Keys under ``rl`` that are not studies: ``findings`` configures the findings node."""


def studies_of(rl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The study blocks under ``rl`` (every key but ``NOT_STUDIES``), in their order."""
    return {name: block for name, block in rl.items() if name not in NOT_STUDIES}
