"""Batches: padded (the baseline) or padding-free packed (every sample end to end in one row).

Packed rows carry `position_ids` that restart at 0 for each sample and no attention mask.
On GPU, FlashAttention-2 turns the restarts (or the `cu_seq_lens` returned with them) into its
varlen kernel. On CPU, SDPA has no varlen path: transformers' mask builder detects the restarts
in `position_ids` and builds a block-diagonal causal mask instead, so samples never attend to
each other on either path and the loss equals the padded batch's (tests/trainer/test_packing.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from trainer.data import IGNORE_INDEX

Batch = dict[str, Any]
Collator = Callable[[Sequence[dict[str, list[int]]]], Batch]


def padded_collator(pad_token_id: int, multiple_of: int = 8) -> Collator:
    """Right-padding to the longest sample (rounded up for tensor-core friendly shapes)."""

    def collate(features: Sequence[dict[str, list[int]]]) -> Batch:
        import torch

        longest = max(len(f["input_ids"]) for f in features)
        width = -(-longest // multiple_of) * multiple_of
        ids, labels, mask = [], [], []
        for f in features:
            pad = width - len(f["input_ids"])
            ids.append(list(f["input_ids"]) + [pad_token_id] * pad)
            labels.append(list(f["labels"]) + [IGNORE_INDEX] * pad)
            mask.append([1] * len(f["input_ids"]) + [0] * pad)
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels),
                "attention_mask": torch.tensor(mask)}

    return collate


def packed_collator(flash_attention: bool) -> Collator:
    from transformers import DataCollatorWithFlattening

    return DataCollatorWithFlattening(return_flash_attn_kwargs=flash_attention)


def make_collator(packing: bool, flash_attention: bool, pad_token_id: int) -> Collator:
    return packed_collator(flash_attention) if packing else padded_collator(pad_token_id)
