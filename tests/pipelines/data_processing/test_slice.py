"""data_processing on an in-memory catalog: the real nodes, conf/test parameters, no disk."""

from __future__ import annotations

import numpy as np
import pytest

from dl_lab.data.bundle import ModelInput
from dl_lab.data.sources import ImageSet
from dl_lab.pipelines.data_processing.pipeline import create_pipeline


def _images(n: int = 200, classes: int = 4) -> ImageSet:
    rng = np.random.default_rng(0)
    labels = np.arange(n) % classes
    images = rng.integers(0, 256, size=(n, 1, 6, 6)).astype(np.float32)
    return ImageSet("toy", images, labels, [str(c) for c in range(classes)], 255.0)


def _from_raw_images(findings: bool = True):
    """Every node but ingest (and the findings, unless asked): raw images in."""
    skipped = ["ingest_images"] + ([] if findings else ["report_data_processing_findings"])
    return create_pipeline() - create_pipeline().only_nodes(*skipped)


def test_split_bundle_and_balance_from_raw_images(run_slice):
    out = run_slice(_from_raw_images(findings=False), {"raw_images": _images()})
    bundle = out["model_input"]
    assert isinstance(bundle, ModelInput)
    sizes = {split: len(bundle.split(split)[1]) for split in ("train", "val", "test")}
    assert sizes == {"train": 160, "val": 20, "test": 20}  # the course's rule below 10k: 80/10/10
    assert out["data_manifest"]["sizes"] == sizes
    assert out["data_manifest"]["fingerprint"] == bundle.fingerprint
    assert 0.0 <= float(bundle.x_train.min()) and float(bundle.x_train.max()) <= 1.0
    assert bundle.mean.item() == pytest.approx(bundle.x_train.mean().item(), abs=1e-5)
    assert out["class_balance_max_deviation"] < 0.05  # stratified: every split keeps the mix
    assert sum(sizes.values()) == 200  # every image in exactly one split


def test_findings_answer_the_split_claims(run_slice):
    out = run_slice(_from_raw_images(), {"raw_images": _images()})
    findings = out["data_processing_findings"].set_index("claim_id")["verdict"].to_dict()
    assert findings == {  # not digits: 3.13's digit correction is not asked
        "1.11-ratios": "reproduced",
        "1.11-stratified": "reproduced",  # class shares within a point on ten seeded splits
        "1.15-split": "not_reproduced",  # 200 images: 80/10/10, not MNIST's 70/15/15
    }


def test_bad_ratios_are_refused_before_any_node(run_slice):
    with pytest.raises(Exception, match="sum to 1"):
        run_slice(
            _from_raw_images(),
            {"raw_images": _images()},
            params={"data_processing": {"split": {"ratios": [0.7, 0.2, 0.2]}}},
        )
