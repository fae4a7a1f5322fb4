"""GGUF quantization through llama.cpp's own quantizer (llama-cpp-python's binding).

The `gguf` package cannot make K-quants; llama.cpp can, and it picks per-tensor fallbacks
(e.g. Q5_0 where a row is not a multiple of 256) exactly as the llama.cpp tools do.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from logcore.errors import ModelError

QUANT_TYPES: dict[str, str] = {
    "q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0",
    "q6_k": "LLAMA_FTYPE_MOSTLY_Q6_K",
    "q5_k_m": "LLAMA_FTYPE_MOSTLY_Q5_K_M",
    "q4_k_m": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
    "q4_0": "LLAMA_FTYPE_MOSTLY_Q4_0",
}


@contextmanager
def _captured_stderr() -> Iterator[list[str]]:
    """llama.cpp prints a line per tensor on fd 2; keep it for the error message instead."""
    lines: list[str] = []
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())


def quantize_gguf(source: str | Path, out_path: str | Path, quant: str, *, threads: int | None = None) -> Path:
    import llama_cpp

    key = quant.lower()
    if key not in QUANT_TYPES:
        raise ModelError(f"unknown quantization {quant!r}: use one of {', '.join(QUANT_TYPES)}")
    source, out_path = Path(source), Path(out_path)
    if not source.is_file():
        raise ModelError(f"GGUF file {source} not found: export the f16 GGUF first")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, QUANT_TYPES[key])
    params.nthread = threads or min(4, os.cpu_count() or 1)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with _captured_stderr() as log:
        status = llama_cpp.llama_model_quantize(str(source).encode(), str(out_path).encode(), params)
    if status != 0 or not out_path.is_file():
        last = log[-1].strip() if log else "no message"
        raise ModelError(f"llama.cpp could not quantize {source.name} to {key} ({last}): "
                         "check that the file is a valid f16/f32 GGUF")
    return out_path
