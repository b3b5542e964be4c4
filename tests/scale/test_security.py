"""What keeps a checkout safe to run and to share: servers on 127.0.0.1 unless told
otherwise, no pickled code loaded with torch.load, and no secret in the shipped config."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_ENVS = ("base", "test", "full")  # conf/local is git-ignored: secrets go there
SERVER_TARGETS = ("mlflow-ui", "mlflow-server", "optuna-dashboard", "viz")

SECRET_KEY = re.compile(  # a whole word of the key: MLFLOW_TRACKING_PASSWORD, not pass_context
    r"(^|[_.-])(pass(word|wd)|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)s?"
    r"($|[_.-])",
    re.I,
)
SECRET_TEXT = {
    "a URL with user:password@": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"]+@", re.I),
    "an AWS access key id": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}
EMPTY = (None, "", "null", "none")


def _torch_loads(tree: ast.AST) -> list[ast.Call]:
    """Calls of ``torch.load(...)`` (or ``load`` imported from torch)."""
    from_torch = {
        alias.asname or alias.name
        for item in ast.walk(tree)
        if isinstance(item, ast.ImportFrom) and item.module == "torch"
        for alias in item.names
        if alias.name == "load"
    }
    calls = []
    for item in ast.walk(tree):
        if not isinstance(item, ast.Call):
            continue
        func = item.func
        dotted = isinstance(func, ast.Attribute) and func.attr == "load"
        if (dotted and isinstance(func.value, ast.Name) and func.value.id == "torch") or (
            isinstance(func, ast.Name) and func.id in from_torch
        ):
            calls.append(item)
    return calls


def _unsafe_loads(source: str) -> list[int]:
    """Lines of ``torch.load`` calls that do not say ``weights_only=True``."""
    unsafe = []
    for call in _torch_loads(ast.parse(source)):
        flag = next((k.value for k in call.keywords if k.arg == "weights_only"), None)
        if not (isinstance(flag, ast.Constant) and flag.value is True):
            unsafe.append(call.lineno)
    return unsafe


def test_every_torch_load_in_src_reads_weights_only():
    unsafe = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "src").rglob("*.py"))
        if (lines := _unsafe_loads(path.read_text()))
    }
    assert unsafe == {}


def test_the_torch_load_scan_finds_an_unsafe_load():
    assert _unsafe_loads("import torch\ntorch.load('m.pt')\n") == [2]
    assert _unsafe_loads("from torch import load\nload('m.pt', weights_only=False)\n") == [2]
    assert _unsafe_loads("import torch\ntorch.load('m.pt', weights_only=True)\n") == []


def _secrets(text: str) -> list[str]:
    """What in one YAML file looks like a secret: a value under a password-like key, or a
    URL with credentials, an access key, a private key anywhere in the text."""
    found = [
        f"{what}: {m.group(0)!r}" for what, rx in SECRET_TEXT.items() for m in rx.finditer(text)
    ]

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{path}.{key}" if path else str(key)
                if SECRET_KEY.search(str(key)) and not isinstance(value, dict | list):
                    if str(value).strip().lower() not in EMPTY and not str(value).startswith("${"):
                        found.append(f"a value under {where}")
                walk(value, where)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    walk(yaml.safe_load(text), "")
    return found


def test_the_shipped_config_holds_no_secret():
    files = [p for env in SHIPPED_ENVS for p in sorted((ROOT / "conf" / env).rglob("*.yml"))]
    assert files
    leaks = {str(p.relative_to(ROOT)): s for p in files if (s := _secrets(p.read_text()))}
    assert leaks == {}


@pytest.mark.parametrize(
    "text",
    [
        "tuning:\n  storage:\n    url: postgresql://optuna:s3cret@db:5432/optuna\n",
        "server:\n  credentials:\n    MLFLOW_TRACKING_PASSWORD: hunter2\n",
        "api_token: abc123\n",
        "aws:\n  id: AKIAABCDEFGHIJKLMNOP\n",
    ],
)
def test_the_secret_scan_finds_a_planted_secret(text):
    assert _secrets(text)


def test_the_secret_scan_lets_names_and_placeholders_pass():
    text = (
        "server:\n  credentials: environment\n  password: null\n  pass_context: false\n"
        "url: postgresql://me@db/x\n"
    )
    assert _secrets(text) == []


def test_servers_listen_on_this_machine_only_by_default():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    shown = subprocess.run(
        ["make", "-n", "-s", *SERVER_TARGETS], cwd=ROOT, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    commands = [line for line in shown.stdout.splitlines() if "--host" in line]
    assert len(commands) == len(SERVER_TARGETS)
    for line in commands:
        assert re.search(r"--host 127\.0\.0\.1(\s|$)", line), line
    told = subprocess.run(
        ["make", "-n", "-s", "mlflow-server", "HOST=0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert "--host 0.0.0.0" in told.stdout  # unless told otherwise
    mlflow_yml = yaml.safe_load((ROOT / "conf" / "base" / "mlflow.yml").read_text())
    assert mlflow_yml["ui"]["host"] == "127.0.0.1"  # `kedro mlflow ui`
