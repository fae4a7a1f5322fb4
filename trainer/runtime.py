"""What the recipe asks for vs what this machine can do: every fallback becomes a printed note."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass, field
from typing import Any

from trainer.config import TrainConfig


@dataclass
class Runtime:
    device: str
    gpus: int
    attention: str
    liger_kernel: bool
    packing: bool
    precision: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def torch_dtype(self) -> Any:
        import torch

        return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[self.precision]


def resolve_runtime(cfg: TrainConfig) -> Runtime:
    import torch

    cuda = torch.cuda.is_available()
    notes: list[str] = []
    attention = cfg.attention
    if attention == "flash_attention_2" and not (cuda and importlib.util.find_spec("flash_attn")):
        attention = "sdpa"
        notes.append("FlashAttention 2 needs CUDA and the flash-attn package: using SDPA")
    liger = cfg.liger_kernel
    if liger and not (cuda and importlib.util.find_spec("liger_kernel")):
        liger = False
        notes.append("Liger kernels need CUDA and liger-kernel (pip install 'logchat[gpu]'): off")
    precision = cfg.precision
    if not cuda and precision != "fp32":
        precision = "fp32"
        notes.append(f"{cfg.precision} on CPU is slow and lossy: training in fp32")
    elif cuda and precision == "bf16" and not torch.cuda.is_bf16_supported():
        precision = "fp16"
        notes.append("this GPU has no bf16: using fp16")
    packing = cuda if cfg.packing == "auto" else cfg.packing == "true"
    return Runtime(device="cuda" if cuda else "cpu", gpus=torch.cuda.device_count() if cuda else 0,
                   attention=attention, liger_kernel=liger, packing=packing, precision=precision, notes=notes)
