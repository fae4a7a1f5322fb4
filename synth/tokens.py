"""Token lengths of chat samples with the target model's own tokenizer and chat template.

The data card's "share over 8192 tokens" is only true if it is counted the way the trainer
will count it: the rendered chat template, special tokens included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from logcore.errors import ModelError
from models.prompts import Message


class TokenLength(Protocol):
    name: str

    def __call__(self, messages: list[Message]) -> int: ...


class GGUFTokenLength:
    """Tokenizer and chat template read from a GGUF with `vocab_only` (no weights loaded)."""

    def __init__(self, gguf: Path) -> None:
        from llama_cpp import Llama
        from llama_cpp._utils import suppress_stdout_stderr
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        if not gguf.is_file():
            raise ModelError(f"tokenizer GGUF {gguf} not found: pass --tokenizer PATH")
        self.name = gguf.name
        with suppress_stdout_stderr(disable=False):  # llama.cpp warns about n_ctx of a vocab-only load
            self.llama = Llama(model_path=str(gguf), vocab_only=True, verbose=False)
        template = self.llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{gguf.name} has no chat template: pass a HF tokenizer folder with --tokenizer")
        model = self.llama._model
        eos, bos = self.llama.token_eos(), self.llama.token_bos()
        self.formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "",
            add_generation_prompt=False,
        )

    def __call__(self, messages: list[Message]) -> int:
        prompt = self.formatter(messages=messages).prompt
        return len(self.llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))


class HFTokenLength:
    """A Hugging Face tokenizer folder (e.g. the Llama-3.1 base model the trainer uses)."""

    def __init__(self, folder: Path) -> None:
        from transformers import AutoTokenizer

        self.name = folder.name
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))

    def __call__(self, messages: list[Message]) -> int:
        ids = self.tokenizer.apply_chat_template(messages, tokenize=True)
        return len(ids["input_ids"] if isinstance(ids, dict) else ids)


def token_length(tokenizer: Path | None) -> TokenLength:
    """A GGUF file or a HF tokenizer folder; the bundled SmolLM2 GGUF when None."""
    if tokenizer is None:
        from models.resolve import bundled_model_path

        return GGUFTokenLength(bundled_model_path())
    if tokenizer.is_dir():
        return HFTokenLength(tokenizer)
    return GGUFTokenLength(tokenizer)
