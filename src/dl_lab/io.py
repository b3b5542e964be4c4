"""Kedro datasets of our own: tensors and model bundles saved with ``torch.save``.

Loading uses ``torch.load(weights_only=True)``: only tensors, numbers, strings, lists and
dicts come back, never arbitrary pickled code. A missing file names the pipeline that
writes it; a corrupt one says so instead of failing deep inside torch.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import torch
from kedro.io import AbstractDataset, DatasetError


class TorchDataset(AbstractDataset[dict[str, Any], dict[str, Any]]):
    """A dict of tensors and plain values in one ``.pt`` file."""

    def __init__(
        self, filepath: str, produced_by: str | None = None, metadata: dict | None = None
    ) -> None:
        self._filepath = PurePosixPath(filepath)
        self._produced_by = produced_by
        self.metadata = metadata

    def load(self) -> dict[str, Any]:
        path = Path(self._filepath)
        if not path.is_file():
            hint = (
                f"; run `kedro run --pipeline {self._produced_by}` first"
                if self._produced_by
                else ""
            )
            raise DatasetError(f"{path} does not exist{hint}")
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises many types for a damaged file
            raise DatasetError(
                f"{path} is not a readable torch file ({type(err).__name__}: {err})"
            ) from err

    def save(self, data: dict[str, Any]) -> None:
        path = Path(self._filepath)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save(data, tmp)
        tmp.replace(path)  # atomic: a crash mid-write never leaves a half file behind

    def _exists(self) -> bool:
        return Path(self._filepath).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "produced_by": self._produced_by}
