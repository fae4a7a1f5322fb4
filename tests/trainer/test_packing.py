"""Padding-free packing must not change what the model learns: same samples, same loss.

On CPU the packed row goes through SDPA with a block-diagonal causal mask that transformers
derives from the restarting position_ids (no varlen kernel on CPU); the control shows that
without the restarts the samples would see each other and the loss would change.
"""

from __future__ import annotations

import pytest
from trainer_samples import synth_records


@pytest.fixture(scope="module")
def samples(smol_loaded):
    from trainer.data import tokenize_conversation

    records = synth_records()
    chosen = [records[0], records[4], records[8]]  # different systems, tasks and lengths
    out = [tokenize_conversation(smol_loaded.tokenizer, r["messages"]) for r in chosen]
    assert len({len(s.input_ids) for s in out}) == 3
    return [{"input_ids": s.input_ids, "labels": s.labels} for s in out]


def loss(model, batch) -> float:
    import torch

    with torch.no_grad():
        return float(model(**batch, use_cache=False).loss)


def test_packed_batch_gives_the_padded_batch_loss(smol_loaded, samples) -> None:
    from trainer.collate import make_collator

    model = smol_loaded.model.eval()
    padded = make_collator(False, False, smol_loaded.tokenizer.pad_token_id)(samples)
    packed = make_collator(True, False, smol_loaded.tokenizer.pad_token_id)(samples)
    assert packed["input_ids"].shape[0] == 1 and "attention_mask" not in packed
    assert packed["input_ids"].shape[1] == sum(len(s["input_ids"]) for s in samples)
    assert padded["input_ids"].numel() > packed["input_ids"].numel()

    padded_loss, packed_loss = loss(model, padded), loss(model, packed)
    assert packed_loss == pytest.approx(padded_loss, abs=1e-4)

    import torch

    leaking = dict(packed, position_ids=torch.arange(packed["input_ids"].shape[1])[None])
    assert abs(loss(model, leaking) - padded_loss) > 1e-2
