"""Independent, reproducible random streams derived from a run's one seed.

Each experiment draws from its own stream, so adding a draw to one experiment leaves the
numbers of every other unchanged; repeated runs (seeds of one study) get independent
children of one ``np.random.SeedSequence``.
"""

from __future__ import annotations

import numpy as np


def experiment_rng(seed: int, experiment: str) -> np.random.Generator:
    """The stream of ``experiment`` (its name's first 8 bytes are mixed into ``seed``)."""
    tag = int.from_bytes(experiment.encode()[:8].ljust(8, b"\0"), "little")
    return np.random.default_rng([seed, tag])


def seed_streams(seed: int, key: int, n: int) -> list[np.random.Generator]:
    """``n`` independent streams, the children of ``SeedSequence([seed, key])``."""
    if n < 1:
        raise ValueError(f"need at least one stream, got n={n}")
    return [np.random.default_rng(child) for child in np.random.SeedSequence([seed, key]).spawn(n)]
