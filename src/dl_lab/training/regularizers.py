"""Regularization: weight penalties, max-norm, and the named, combinable regularizer presets.

L1: lambda * sum|w|; L2: lambda * sum w^2 (an explicit penalty; with plain SGD it equals
``weight_decay = 2 * lambda``, with Adam it is not the same as AdamW's decoupled decay);
elastic net: both. Penalties apply to weights (tensors with ndim > 1), not biases or
normalization parameters. Max-norm (Srebro et al. 2005; Hinton et al. 2012) rescales each
unit's incoming weight vector to norm <= c after every optimizer step.

``REGULARIZERS`` maps a name to a Pydantic options model whose ``apply`` writes the
regularizer into a variant's fields (model options, penalties, optimizer, early stopping,
augmentation, max-norm); ``VariantSpec`` folds ``regularizers: {name: options}`` through
them, so presets combine and every one of them is checked before any training.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from torch import nn

from dl_lab.registry import Registry

PENALTIES: Registry[torch.Tensor] = Registry("penalty")


def penalized_weights(model: nn.Module) -> list[torch.Tensor]:
    """Weight matrices and kernels (ndim > 1): what L1/L2 act on."""
    return [p for p in model.parameters() if p.requires_grad and p.ndim > 1]


@PENALTIES.register("l1")
def l1_penalty(weights: list[torch.Tensor], strength: float) -> torch.Tensor:
    return strength * sum(w.abs().sum() for w in weights)


@PENALTIES.register("l2")
def l2_penalty(weights: list[torch.Tensor], strength: float) -> torch.Tensor:
    return strength * sum(w.pow(2).sum() for w in weights)


@PENALTIES.register("elastic_net")
def elastic_net_penalty(
    weights: list[torch.Tensor], strength: float, l1_ratio: float = 0.5
) -> torch.Tensor:
    return l1_ratio * l1_penalty(weights, strength) + (1 - l1_ratio) * l2_penalty(weights, strength)


class WeightPenalty(nn.Module):
    """A named penalty bound to a strength: ``penalty(model) -> scalar``."""

    def __init__(self, name: str, strength: float, **options: float) -> None:
        super().__init__()
        if strength < 0:
            raise ValueError(f"penalty strength must be >= 0, got {strength} for {name!r}")
        self.name, self.strength, self.options = name, strength, options
        self.fn = PENALTIES.get(name)

    def forward(self, model: nn.Module) -> torch.Tensor:
        return self.fn(penalized_weights(model), self.strength, **self.options)


@torch.no_grad()
def apply_max_norm(model: nn.Module, max_norm: float) -> None:
    """Clamp the L2 norm of each output unit's incoming weights to ``max_norm``."""
    for w in penalized_weights(model):
        rows = w.view(w.shape[0], -1)  # (out, in*kh*kw)
        norms = rows.norm(dim=1, keepdim=True).clamp(min=1e-12)
        rows.mul_(norms.clamp(max=max_norm) / norms)


@torch.no_grad()
def weight_statistics(model: nn.Module, threshold: float = 1e-3) -> dict[str, float]:
    """Fraction of weights with |w| < ``threshold``, exact zeros, and the weights' L2 norm."""
    flat = torch.cat([w.detach().flatten().cpu() for w in penalized_weights(model)])
    return {
        "near_zero_fraction": float((flat.abs() < threshold).float().mean()),
        "zero_fraction": float((flat == 0).float().mean()),
        "weight_l2_norm": float(flat.norm()),
    }


@torch.no_grad()
def weight_histogram(model: nn.Module, edges: torch.Tensor) -> torch.Tensor:
    """Counts of log10|w| in bins ``edges`` (values outside go to the end bins)."""
    flat = torch.cat([w.detach().flatten().cpu() for w in penalized_weights(model)])
    logs = flat.abs().clamp(min=10 ** float(edges[0])).log10().clamp(max=float(edges[-1]))
    return torch.histogram(logs.double(), bins=edges.double()).hist.long()


# -- named regularizers --------------------------------------------------------------------


class RegularizerConflict(ValueError):
    """A regularizer would overwrite a setting the variant already gives differently."""


class Regularizer(BaseModel):
    """Options of one named regularizer; ``apply`` writes it into a variant's raw fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: ClassVar[str]

    def apply(self, spec: dict[str, Any]) -> None:
        """Nothing to apply (``none``)."""

    def _set(self, spec: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
        """Set ``spec[path]``; an existing different value is a conflict."""
        *parents, key = path
        target = spec
        for part in parents:
            target = target.setdefault(part, {})
        if key in target and target[key] not in (None, value):
            raise RegularizerConflict(
                f"regularizer {self.name!r} sets {'.'.join(path)} = {value!r}, "
                f"but the variant already has {target[key]!r}"
            )
        target[key] = value


REGULARIZERS: Registry[Regularizer] = Registry("regularizer")


def _registered(name: str):
    def decorator(cls: type[Regularizer]) -> type[Regularizer]:
        cls.name = name
        return REGULARIZERS.register(name)(cls)

    return decorator


def _penalty_key(penalty: Any) -> tuple:
    fields = penalty if isinstance(penalty, dict) else penalty.model_dump()
    return fields["name"], fields["strength"], fields.get("l1_ratio", 0.5)


def _add_penalty(spec: dict[str, Any], penalty: dict[str, Any]) -> None:
    """Append ``penalty`` unless the same one is there (folding twice changes nothing)."""
    penalties = spec.setdefault("penalties", [])
    if _penalty_key(penalty) not in {_penalty_key(p) for p in penalties}:
        penalties.append(penalty)


@_registered("none")
class NoRegularizer(Regularizer):
    """No regularization: the baseline every other regularizer is compared with."""


@_registered("l1")
class L1(Regularizer):
    """Explicit penalty lambda * sum |w| added to the loss."""

    strength: float = Field(ge=0, description="lambda")

    def apply(self, spec: dict[str, Any]) -> None:
        _add_penalty(spec, {"name": "l1", "strength": self.strength})


@_registered("l2")
class L2(Regularizer):
    """Explicit penalty lambda * sum w^2 added to the loss (coupled with Adam's moments)."""

    strength: float = Field(ge=0, description="lambda")

    def apply(self, spec: dict[str, Any]) -> None:
        _add_penalty(spec, {"name": "l2", "strength": self.strength})


@_registered("elastic_net")
class ElasticNet(Regularizer):
    """lambda * (l1_ratio * sum |w| + (1 - l1_ratio) * sum w^2) (Zou & Hastie, 2005)."""

    strength: float = Field(ge=0, description="lambda")
    l1_ratio: float = Field(0.5, ge=0, le=1)

    def apply(self, spec: dict[str, Any]) -> None:
        penalty = {"name": "elastic_net", "strength": self.strength, "l1_ratio": self.l1_ratio}
        _add_penalty(spec, penalty)


@_registered("weight_decay")
class DecoupledWeightDecay(Regularizer):
    """L2 as decoupled weight decay: AdamW (Loshchilov & Hutter, 2019) with ``strength``."""

    strength: float = Field(ge=0, description="AdamW weight_decay")

    def apply(self, spec: dict[str, Any]) -> None:
        optimizer = dict(spec.get("optimizer") or {})
        if optimizer.get("name", "adam") not in ("adam", "adamw"):
            raise RegularizerConflict(
                f"regularizer 'weight_decay' is AdamW's decoupled decay and needs optimizer "
                f"adam or adamw, got {optimizer['name']!r}; for SGD set optimizer.weight_decay"
            )
        optimizer.update(name="adamw", weight_decay=self.strength)
        spec["optimizer"] = optimizer


@_registered("dropout")
class Dropout(Regularizer):
    """Inverted dropout with probability ``p`` in the architecture's dropout layers."""

    p: float = Field(ge=0, lt=1)

    def apply(self, spec: dict[str, Any]) -> None:
        self._set(spec, ("model", "dropout"), self.p)


@_registered("batch_norm")
class BatchNorm(Regularizer):
    """Batch normalization after each linear/conv layer (Ioffe & Szegedy, 2015)."""

    def apply(self, spec: dict[str, Any]) -> None:
        self._set(spec, ("model", "batch_norm"), True)


@_registered("lrn")
class LocalResponseNorm(Regularizer):
    """AlexNet's local response normalization across channels (or hidden units)."""

    def apply(self, spec: dict[str, Any]) -> None:
        self._set(spec, ("model", "lrn"), True)


@_registered("early_stopping")
class EarlyStoppingConfig(Regularizer):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    enabled: bool = True
    monitor: Literal["val_loss", "val_acc"] = "val_loss"
    patience: int = Field(5, ge=0)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True

    def apply(self, spec: dict[str, Any]) -> None:
        spec["early_stopping"] = self.model_copy(update={"enabled": True}).model_dump()


@_registered("augmentation")
class Augmentation(Regularizer):
    """Training batches augmented with the data_processing pipeline's spec."""

    def apply(self, spec: dict[str, Any]) -> None:
        self._set(spec, ("augment",), True)


@_registered("max_norm")
class MaxNorm(Regularizer):
    """Each unit's incoming weight vector clamped to L2 norm <= ``norm`` after every step."""

    norm: float = Field(gt=0)

    def apply(self, spec: dict[str, Any]) -> None:
        self._set(spec, ("max_norm",), self.norm)


def parse_regularizer(name: str, options: dict[str, Any] | None) -> Regularizer:
    """The validated options of regularizer ``name``; errors name the key and what is allowed."""
    if name not in REGULARIZERS:
        allowed = ", ".join(REGULARIZERS.available())
        raise ValueError(f"regularizers: unknown regularizer {name!r}; available: {allowed}")
    try:
        return REGULARIZERS.get(name).model_validate(options or {})
    except ValidationError as err:
        problems = "; ".join(
            f"regularizers.{name}.{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})"
            for e in err.errors()
        )
        raise ValueError(problems) from None
