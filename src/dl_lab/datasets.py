"""The project's Kedro datasets, all in one module.

``TorchDataset``: tensors and model bundles saved with ``torch.save``. Loading uses
``torch.load(weights_only=True)``: only tensors, numbers, strings, lists and dicts come
back, never arbitrary pickled code. A missing file names the pipeline that writes it; a
corrupt one says so instead of failing deep inside torch.

``ModelInputDataset``: the typed ``data.bundle.ModelInput``, stored as a ``TorchDataset``.

``OptionalYAMLDataset``: a YAML file that may not exist yet (the study's best
configuration: retraining uses it when present, its parameters otherwise).

``ImageBatchDataset``: image batches from a file or a folder, for inference inputs and for
new labelled data dropped into ``data/01_raw/incoming/``. Accepted files: ``.npy``
(N, C, H, W) or (N, H, W); ``.npz`` with ``images`` and optionally ``labels``; ``.png`` /
``.jpg`` (one image each). Values stay in raw pixel units; the pipelines scale and check them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import torch
import yaml
from kedro.io import AbstractDataset, DatasetError

from dl_lab.data.bundle import ModelInput
from dl_lab.errors import DataFileError, MissingFileError

# Every dataset here has ``check_before_run()``: a run calls it for its inputs before the
# first node runs (``pipelines._preflight``), so a missing or damaged file fails the run
# before anything is trained or written. Problems are ``DataFileError``s naming the file.


class TorchDataset(AbstractDataset[dict[str, Any], dict[str, Any]]):
    """A dict of tensors and plain values in one ``.pt`` file."""

    def __init__(
        self, filepath: str, produced_by: str | None = None, metadata: dict | None = None
    ) -> None:
        self._filepath = PurePosixPath(filepath)
        self._produced_by = produced_by
        self.metadata = metadata

    def load(self) -> dict[str, Any]:
        path = self._present()
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises many types for a damaged file
            raise DataFileError(
                f"{path} is not a readable torch file ({type(err).__name__}: {err}){self._hint()}"
            ) from err

    def check_before_run(self) -> None:
        """Present, and a ``torch.save`` archive (its index is read, not its tensors)."""
        path = self._present()
        try:
            with zipfile.ZipFile(path) as archive:
                readable = any(name.endswith("/data.pkl") for name in archive.namelist())
        except (zipfile.BadZipFile, OSError):
            readable = False
        if not readable:
            raise DataFileError(f"{path} is not a readable torch file (damaged){self._hint()}")

    def _present(self) -> Path:
        path = Path(self._filepath)
        if not path.is_file():
            raise MissingFileError(f"{path} does not exist{self._hint()}")
        return path

    def _hint(self) -> str:
        """How to write the file (again), when the catalog says which pipeline writes it."""
        if not self._produced_by:
            return ""
        return f"; run `kedro run --pipelines {self._produced_by}` to write it"

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


class ModelInputDataset(AbstractDataset[ModelInput, ModelInput]):
    """A ``ModelInput`` in one ``.pt`` file (a ``TorchDataset`` of its plain state)."""

    def __init__(
        self, filepath: str, produced_by: str | None = None, metadata: dict | None = None
    ) -> None:
        self._file = TorchDataset(filepath, produced_by)
        self.metadata = metadata

    def load(self) -> ModelInput:
        state = self._file.load()
        try:
            return ModelInput.from_state(state)
        except ValueError as err:
            raise DataFileError(f"{self._file._filepath}: {err}{self._file._hint()}") from err

    def check_before_run(self) -> None:
        """As ``TorchDataset.check_before_run``."""
        self._file.check_before_run()

    def save(self, data: ModelInput) -> None:
        self._file.save(data.to_state())

    def _exists(self) -> bool:
        return self._file._exists()

    def _describe(self) -> dict[str, Any]:
        return self._file._describe()


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
ARRAY_SUFFIXES = (".npy", ".npz")


class OptionalYAMLDataset(AbstractDataset[dict[str, Any], dict[str, Any] | None]):
    """A YAML mapping; loading a missing file gives ``None`` instead of an error."""

    def __init__(self, filepath: str, metadata: dict | None = None) -> None:
        self._filepath = PurePosixPath(filepath)
        self.metadata = metadata

    def load(self) -> dict[str, Any] | None:
        return self._read()

    def check_before_run(self) -> None:
        """Absent (allowed), or a readable YAML mapping."""
        self._read()

    def _read(self) -> dict[str, Any] | None:
        path = Path(self._filepath)
        if not path.is_file():
            return None
        try:
            content = yaml.safe_load(path.read_text())
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            raise DataFileError(f"{path} is not readable YAML ({err}); fix or delete it") from err
        if not isinstance(content, dict):
            raise DataFileError(
                f"{path} must hold a YAML mapping, holds {type(content).__name__}; fix or delete it"
            )
        return content

    def save(self, data: dict[str, Any]) -> None:
        path = Path(self._filepath)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(yaml.safe_dump(data, sort_keys=False))
        tmp.replace(path)

    def _exists(self) -> bool:
        return Path(self._filepath).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}


FORMATS = ".npy (N, H, W) or (N, C, H, W); .npz with `images` (and `labels`); .png or .jpg images"


def _with_channels(images: np.ndarray, source: Path) -> np.ndarray:
    """(N, H, W) -> (N, 1, H, W); (N, C, H, W) as is; anything else is an error."""
    if images.ndim == 3:
        return images[:, None]
    if images.ndim != 4:
        raise DataFileError(
            f"{source}: images must be (N, H, W) or (N, C, H, W), got {images.shape}"
        )
    return images


def _read_file(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Images (N, C, H, W) and labels (or None) from one file; a file NumPy or PIL cannot
    read is an error naming it and the formats that are read."""
    try:
        return _read_arrays(path)
    except DataFileError:
        raise
    except Exception as err:  # NumPy, zipfile and PIL raise many types for a damaged file
        raise DataFileError(
            f"{path} is not readable ({type(err).__name__}: {err}); accepted: {FORMATS}"
        ) from err


def _read_arrays(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _with_channels(np.load(path, allow_pickle=False), path), None
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            if "images" not in archive:
                raise DataFileError(f"{path}: an .npz needs an `images` array, has {archive.files}")
            images = _with_channels(archive["images"], path)
            labels = archive["labels"] if "labels" in archive else None
        if labels is not None and labels.shape != (len(images),):
            raise DataFileError(f"{path}: {len(images)} images but labels of shape {labels.shape}")
        return images, labels
    from PIL import Image

    with Image.open(path) as image:
        pixels = np.asarray(image)  # (H, W) grey or (H, W, C) colour
    pixels = pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
    return pixels[None], None


class ImageBatchDataset(AbstractDataset[None, dict[str, Any]]):
    """Images from ``path`` (a file or a folder of files), read-only.

    Loads ``{"images": (N, C, H, W) float32 | None, "labels": (N,) int64 | None,
    "names": ["file.npz#0", ...]}``; a missing or empty folder gives ``images: None``.
    Labels are returned only when every file carries them.
    """

    def __init__(self, path: str, metadata: dict | None = None) -> None:
        self._path = PurePosixPath(path)
        self.metadata = metadata

    def _files(self) -> list[Path]:
        path = Path(self._path)
        if path.is_file():
            return [path]
        if not path.is_dir():
            return []
        suffixes = ARRAY_SUFFIXES + IMAGE_SUFFIXES
        return sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes)

    def load(self) -> dict[str, Any]:
        return self._read()

    def check_before_run(self) -> None:
        """Every file readable (a missing or empty folder is an empty batch, and allowed).

        The files are read twice, here and by the node: they are what a user drops in,
        where a damaged file is likeliest, and a run should stop before any node on it.
        """
        self._read()

    def _read(self) -> dict[str, Any]:
        files = self._files()
        if not files:
            return {"images": None, "labels": None, "names": [], "path": str(self._path)}
        parts = [_read_file(f) for f in files]
        shapes = {p[0].shape[1:] for p in parts}
        if len(shapes) > 1:
            raise DataFileError(f"{self._path}: files hold images of different shapes {shapes}")
        names = [
            f"{f.name}#{i}" for f, (x, _) in zip(files, parts, strict=True) for i in range(len(x))
        ]
        labels = None
        if all(p[1] is not None for p in parts):
            labels = np.concatenate([p[1] for p in parts]).astype(np.int64)
        images = np.concatenate([p[0] for p in parts]).astype(np.float32)
        return {"images": images, "labels": labels, "names": names, "path": str(self._path)}

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}


class FolderDataset(AbstractDataset[None, dict[str, Any]]):
    """Read-only: every file under a folder whose name ends with one of ``suffixes``, as
    ``{relative path: load function}`` (a function returning the file's bytes).

    A folder that does not exist yet is empty, not an error: the report reads whatever
    the pipelines that have run wrote, and nothing else.
    """

    def __init__(
        self, path: str, suffixes: list[str] | None = None, metadata: dict | None = None
    ) -> None:
        self._path = PurePosixPath(path)
        self._suffixes = tuple(suffixes or ())
        self.metadata = metadata

    def load(self) -> dict[str, Any]:
        root = Path(self._path)
        if not root.is_dir():
            return {}
        found = {}
        for file in sorted(root.rglob("*")):
            if file.is_file() and (not self._suffixes or file.name.endswith(self._suffixes)):
                found[file.relative_to(root).as_posix()] = file.read_bytes
        return found

    def save(self, data: None) -> None:
        raise DatasetError(f"{self._path} is read-only here: the pipelines write its files")

    def check_before_run(self) -> None:
        """Nothing to check: a folder that does not exist yet is empty."""

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "suffixes": self._suffixes}
