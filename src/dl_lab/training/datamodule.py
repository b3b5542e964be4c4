"""A LightningDataModule over in-memory tensors.

Batches are sliced from whole tensors (one index per batch, not per sample): a
DataLoader with ``batch_size=None`` over a sampler of whole batches (a tensor of shuffled
indices, or a slice in order) skips per-sample collation and per-batch index lists.
On a CUDA trainer the tensors move to the device once in ``setup`` so no host-device copy
happens per step. It never downloads anything: Kedro owns the data.

The training order of an epoch is a function of the seed and the epoch's number alone, so a
fit resumed from a checkpoint after epoch ``k`` sees in epoch ``k + 1`` the batches that an
uninterrupted fit saw there (the rest of the randomness, dropout and augmentation, draws
from the process's generators, which ``callbacks.RandomState`` carries in checkpoints).
"""

from __future__ import annotations

from collections.abc import Iterator

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, Dataset, Sampler


class _Batches(Dataset):
    """``dataset[indices or slice]`` -> (x[indices], y[indices])."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, idx: torch.Tensor | slice | list) -> tuple | list[tuple]:
        if isinstance(idx, list):  # a group of mini-batches for one training step
            return [(self.x[i], self.y[i]) for i in idx]
        return self.x[idx], self.y[idx]

    def to(self, device: torch.device) -> _Batches:
        return _Batches(self.x.to(device), self.y.to(device))


class _BatchIndices(Sampler):
    """Whole batches: shuffled index tensors (``seed`` given) or slices in order (None).

    Shuffled, epoch ``e`` (0-based) is ordered by the ``e + 1``-th permutation drawn from a
    generator seeded with ``seed``. Lightning tells the sampler each epoch's number
    (``set_epoch``, also on a resumed fit); a sampler that is not told counts its passes.
    Going forward, the permutations are drawn once each; asked for an earlier epoch, or a
    later one after a resume, it replays the draws from the seed (one ``randperm`` each).
    """

    def __init__(self, size: int, batch_size: int, seed: int | None, group: int = 1) -> None:
        self.size, self.batch_size, self.seed, self.group = size, batch_size, seed, group
        self.epoch = 0
        self._generator: torch.Generator | None = None
        self._drawn = 0  # permutations drawn from ``_generator`` so far

    def __len__(self) -> int:
        return -(-self.size // (self.batch_size * self.group))

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def order(self, epoch: int) -> torch.Tensor:
        """The permutation of the training samples for ``epoch`` (shuffled samplers only)."""
        if self.seed is None:
            raise ValueError("an unshuffled sampler has no permutation; give it a seed")
        if self._generator is None or self._drawn > epoch:
            self._generator = torch.Generator().manual_seed(self.seed)
            self._drawn = 0
        for _ in range(epoch - self._drawn):  # skip the epochs before (a resume)
            torch.randperm(self.size, generator=self._generator)
        self._drawn = epoch + 1
        return torch.randperm(self.size, generator=self._generator)

    def __iter__(self) -> Iterator[slice | list[torch.Tensor]]:
        epoch, self.epoch = self.epoch, self.epoch + 1  # the count, unless set_epoch says
        if self.seed is None:
            for start in range(0, self.size, self.batch_size):
                yield slice(start, start + self.batch_size)
            return
        batches = self.order(epoch).split(self.batch_size)
        # Always a list, one group of mini-batches per training step, even a group of one:
        # the loader turns a lone (x, y) pair into a list too, so a list is the only shape
        # a training step can tell from a group.
        for start in range(0, len(batches), self.group):
            yield list(batches[start : start + self.group])


class TensorDataModule(pl.LightningDataModule):
    """Train/val/test tensors as shuffled (train) and ordered (val, test) batches."""

    def __init__(
        self,
        splits: dict[str, tuple[torch.Tensor, torch.Tensor]],
        batch_size: int,
        seed: int,
        eval_batch_size: int | None = None,
        updates_per_step: int = 8,
    ) -> None:
        super().__init__()
        self.data = {name: _Batches(x, y) for name, (x, y) in splits.items()}
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or max(batch_size, 512)
        self.seed = seed
        self.updates_per_step = updates_per_step  # mini-batches per Lightning training step

    @property
    def updates_per_epoch(self) -> int:
        """Optimizer updates (mini-batches) in one epoch of the training split, per process:
        under DDP each of the ``world_size`` processes makes every ``world_size``-th one."""
        batches = -(-len(self.data["train"]) // self.batch_size)
        return -(-batches // self._world_size())

    def _world_size(self) -> int:
        trainer = self.trainer
        return trainer.world_size if trainer is not None else 1

    def setup(self, stage: str | None = None) -> None:
        trainer = self.trainer
        if trainer is not None and trainer.strategy.root_device.type == "cuda":
            device = trainer.strategy.root_device
            self.data = {name: part.to(device) for name, part in self.data.items()}

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        part = self.data[split]
        size = self.batch_size if shuffle else self.eval_batch_size
        # Under DDP every update is an all-reduce that all processes must join: one
        # mini-batch per step, so that the ranks' shares (whole items of this sampler,
        # padded to equal counts by Lightning's distributed sampler) make as many updates.
        group = self.updates_per_step if shuffle and self._world_size() == 1 else 1
        batches = _BatchIndices(len(part), size, self.seed if shuffle else None, group)
        return DataLoader(part, sampler=batches, batch_size=None)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
