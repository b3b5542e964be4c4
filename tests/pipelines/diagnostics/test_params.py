"""Bad diagnostics parameters fail before any node runs, naming the key and the choices."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_unknown_optimizer_fails_before_any_node(fresh_project):
    (fresh_project.path / "conf/local/parameters.yml").write_text(
        "diagnostics:\n  hyperparams:\n    lr_sweep:\n      rates:\n        lbfgs: [0.1]\n"
    )
    done = fresh_project.run("--pipelines", "diagnostics", env="local", check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "diagnostics.hyperparams" in output and "lbfgs" in output and "sgd_momentum" in output
    assert not (fresh_project.path / "data/08_reporting/diagnostics").exists()
