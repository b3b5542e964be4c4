"""A LightningDataModule over in-memory tensors.

Batches are sliced from whole tensors (one index per batch, not per sample): a
DataLoader with ``batch_size=None`` over a ``BatchSampler`` skips per-sample collation.
On a CUDA trainer the tensors move to the device once in ``setup`` so no host-device copy
happens per step. It never downloads anything: Kedro owns the data.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler


class _Batches(Dataset):
    """``dataset[list_of_indices]`` -> (x[indices], y[indices])."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.as_tensor(indices, device=self.x.device)
        return self.x[idx], self.y[idx]

    def to(self, device: torch.device) -> _Batches:
        return _Batches(self.x.to(device), self.y.to(device))


class TensorDataModule(pl.LightningDataModule):
    """Train/val/test tensors as shuffled (train) and ordered (val, test) batches."""

    def __init__(
        self,
        splits: dict[str, tuple[torch.Tensor, torch.Tensor]],
        batch_size: int,
        seed: int,
        eval_batch_size: int | None = None,
    ) -> None:
        super().__init__()
        self.data = {name: _Batches(x, y) for name, (x, y) in splits.items()}
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or max(batch_size, 512)
        self.seed = seed

    def setup(self, stage: str | None = None) -> None:
        trainer = self.trainer
        if trainer is not None and trainer.strategy.root_device.type == "cuda":
            device = trainer.strategy.root_device
            self.data = {name: part.to(device) for name, part in self.data.items()}

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        part = self.data[split]
        if shuffle:
            generator = torch.Generator().manual_seed(self.seed)
            sampler = RandomSampler(range(len(part)), generator=generator)
            batches = BatchSampler(sampler, self.batch_size, drop_last=False)
        else:
            batches = BatchSampler(SequentialSampler(range(len(part))), self.eval_batch_size, False)
        return DataLoader(part, sampler=batches, batch_size=None)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
