"""Random streams: reproducible from the seed, independent across experiments and repeats."""

import numpy as np
import pytest

from dl_lab.fundamentals.seeds import experiment_rng, seed_streams


def draw(seed: int, experiment: str) -> np.ndarray:
    return experiment_rng(seed, experiment).normal(size=4)


def test_each_experiment_has_its_own_reproducible_stream():
    np.testing.assert_array_equal(draw(42, "perceptron"), draw(42, "perceptron"))
    assert not np.array_equal(draw(42, "perceptron"), draw(42, "softmax"))
    assert not np.array_equal(draw(42, "perceptron"), draw(43, "perceptron"))


def test_seed_streams_are_the_children_of_one_seed_sequence():
    streams = [rng.normal(size=3) for rng in seed_streams(7, 2, 3)]
    children = np.random.SeedSequence([7, 2]).spawn(3)
    expected = [np.random.default_rng(child).normal(size=3) for child in children]
    np.testing.assert_array_equal(streams, expected)
    assert not np.array_equal(streams[0], streams[1])
    again = [rng.normal(size=3) for rng in seed_streams(7, 2, 3)]
    np.testing.assert_array_equal(streams, again)
    with pytest.raises(ValueError, match="at least one stream"):
        seed_streams(7, 2, 0)
