"""A GGUF model run in-process by llama-cpp-python.

Why it renders the chat template itself instead of calling `create_chat_completion`: it needs
the exact prompt tokens before evaluation (to budget the context and report usage), and a count
of the tokens actually evaluated, which shows the shared-prefix KV reuse working. The sampling
defaults match `create_chat_completion`, so answers are the same as the raw library's.

Follow-ups in one conversation are cheap because the same `Llama` object keeps its KV cache and
`Llama.generate` evaluates only the suffix after the longest common token prefix.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from logcore.errors import ModelError
from models.backend import Usage
from models.prompts import Message

GGUF_MAGIC = b"GGUF"
MAX_DEFAULT_THREADS = 8  # token generation is memory-bound; more threads stop helping


def default_threads() -> int:
    """Physical cores minus one (the UI and the reader need a core), at least 1, at most 8.

    On a 2-core machine 2 threads generated 0.8 tok/s where 1 thread gave 38: never
    oversubscribe, and count only the CPUs this process may run on.
    """
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        import psutil

        physical = psutil.cpu_count(logical=False) or available
    except ImportError:
        physical = available
    return max(1, min(physical - 1, available - 1, MAX_DEFAULT_THREADS))


def check_gguf(path: Path) -> None:
    """Fail with one line before llama.cpp prints pages of loader errors."""
    if not path.exists():
        raise ModelError(f"model file {path} does not exist; check the path or run `logchat models`")
    if not path.is_file():
        raise ModelError(f"model path {path} is not a file; give the .gguf file itself")
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}; check its permissions") from None
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF file (bad header); re-download or re-export the model")


def trained_context(path: Path) -> int:
    """The GGUF's own context length, from a vocab-only load (metadata, no weights, no KV cache).

    Asking before the real load matters: a context larger than the model's allocates KV-cache
    memory for positions it never learned (and a silly cap could exhaust the machine's RAM).
    """
    import llama_cpp
    from llama_cpp._internals import LlamaModel

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    try:
        model = LlamaModel(path_model=str(path), params=params, verbose=False)
    except (ValueError, RuntimeError, OSError):
        raise ModelError(f"cannot load {path}: the GGUF is corrupt or truncated; re-download or re-export it") from None
    try:
        metadata = model.metadata()
        arch = metadata.get("general.architecture", "llama")
        return int(metadata.get(f"{arch}.context_length", "0"))
    except ValueError:
        return 0
    finally:
        model.close()


def avoid_amx_buffers() -> None:
    """Keep llama.cpp off its AMX weight buffers on CPUs that advertise AMX.

    Seen on a VM whose Xeon lists amx_tile in /proc/cpuinfo and whose kernel grants the tile
    permission: the first `ldtilecfg` in libggml-cpu raises a general-protection fault and kills
    the process at the first token. AMX is llama.cpp's only extra (repacked) buffer type for
    Q4_1, the bundled model's type, so without extra buffer types that model loses nothing.
    llama-cpp-python does not expose the flag, hence the wrapped default parameters.
    """
    import llama_cpp.llama as llama_module

    lib = llama_module.llama_cpp
    if getattr(lib.llama_model_default_params, "_logchat_no_amx", False) or not _cpu_has_amx():
        return
    defaults = lib.llama_model_default_params

    def without_extra_buffers() -> object:
        params = defaults()
        params.use_extra_bufts = False
        return params

    without_extra_buffers._logchat_no_amx = True  # type: ignore[attr-defined]
    lib.llama_model_default_params = without_extra_buffers


def _cpu_has_amx() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return any(line.startswith("flags") and " amx_tile" in line for line in f)
    except OSError:
        return False


class _CountingLlama:
    """Builds a `Llama` subclass lazily so importing this module does not load llama.cpp."""

    cls: type | None = None

    @classmethod
    def get(cls) -> type:
        if cls.cls is None:
            from llama_cpp import Llama

            avoid_amx_buffers()

            class CountingLlama(Llama):  # type: ignore[misc, valid-type]
                """Counts tokens really evaluated: the proof that a cached prefix was reused."""

                evaluated_tokens = 0

                def eval(self, tokens: Sequence[int]) -> None:
                    before = self.n_tokens
                    try:
                        super().eval(tokens)
                    finally:
                        self.evaluated_tokens += self.n_tokens - before

            cls.cls = CountingLlama
        return cls.cls


class LocalBackend:
    """One loaded GGUF; keep the object for a whole conversation to reuse its KV cache."""

    def __init__(
        self,
        path: str | Path,
        *,
        n_ctx_cap: int = 8192,
        n_threads: int | None = None,
        label: str | None = None,
    ) -> None:
        self.path = Path(path).expanduser()
        check_gguf(self.path)
        self.n_threads = n_threads or default_threads()
        trained = trained_context(self.path)
        self.context_size = min(trained, n_ctx_cap) if trained > 0 else n_ctx_cap
        self.llama = self._load(self.context_size)
        self.name = f"local:{label or self.path.stem}"
        self.last_usage = Usage()
        self._lock = threading.Lock()
        self._formatter = self._chat_formatter()

    @property
    def counts_exact(self) -> bool:
        return True

    def _load(self, n_ctx: int) -> object:
        try:
            return _CountingLlama.get()(
                str(self.path),
                n_ctx=n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError):
            raise ModelError(
                f"cannot load {self.path}: the GGUF is corrupt, truncated or of an unsupported "
                "architecture; re-download or re-export it"
            ) from None

    def _chat_formatter(self) -> object:
        """The chat template stored in the GGUF, the one the model was trained with."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = self.llama
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(
                f"{self.path.name} has no chat template in its metadata; use an instruct/chat GGUF"
            )
        eos = llama.token_eos()
        bos = llama.token_bos()
        return Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
            stop_token_ids=[eos],
        )

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt_tokens(self, messages: list[Message]) -> list[int]:
        """The exact tokens the model reads for these messages (template applied)."""
        rendered = self._formatter(messages=messages)
        return self.llama.tokenize(
            rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True
        )

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.2,
        json_schema: dict | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        with self._lock:
            yield from self._stream(messages, max_tokens, temperature, json_schema, cancel)

    def _stream(
        self,
        messages: list[Message],
        max_tokens: int | None,
        temperature: float,
        json_schema: dict | None,
        cancel: threading.Event | None,
    ) -> Iterator[str]:
        rendered = self._formatter(messages=messages)
        tokens = self.llama.tokenize(
            rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True
        )
        room = self.context_size - len(tokens)
        if room < 16:
            raise ModelError(
                f"the prompt is {len(tokens)} tokens but {self.name} has a {self.context_size}-token "
                "context; use --tail/--lines or a smaller log budget"
            )
        max_tokens = min(max_tokens or room, room)
        usage = Usage(prompt_tokens=len(tokens))
        self.last_usage = usage
        stop = rendered.stop if isinstance(rendered.stop, list) else [rendered.stop] if rendered.stop else []
        counter = _TokenCounter()
        criteria = _stopping_criteria(counter, rendered.stopping_criteria)
        chunks = self.llama.create_completion(
            prompt=tokens,
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=0.95,
            top_k=40,
            min_p=0.05,
            repeat_penalty=1.1,
            stop=stop,
            stopping_criteria=criteria,
            grammar=_grammar(json_schema),
            stream=True,
        )
        evaluated_before = self.llama.evaluated_tokens
        started = time.perf_counter()
        first_at: float | None = None
        abort = _AbortOnCancel(self.llama, cancel)
        try:
            with abort:
                for chunk in chunks:
                    if first_at is None:
                        first_at = time.perf_counter()
                        usage.ttft_s = first_at - started
                        # Every token evaluated so far was prompt; the rest are generated ones.
                        usage.prompt_tokens_evaluated = self.llama.evaluated_tokens - evaluated_before
                        abort.disarm()
                    usage.completion_tokens = min(counter.sampled, max_tokens)
                    usage.generation_s = time.perf_counter() - first_at
                    text = chunk["choices"][0]["text"]
                    if text:
                        yield text
                    if cancel is not None and cancel.is_set():
                        break
        except RuntimeError as exc:
            if not abort.fired:
                raise ModelError(f"local inference failed: {exc}; try a smaller log budget") from None
        finally:
            chunks.close()
            usage.completion_tokens = min(counter.sampled, max_tokens)
            if usage.prompt_tokens_evaluated is None:
                usage.prompt_tokens_evaluated = self.llama.evaluated_tokens - evaluated_before

    def close(self) -> None:
        self.llama.close()


class _TokenCounter:
    """A stopping criterion that never stops: llama-cpp-python calls it once per sampled token."""

    def __init__(self) -> None:
        self.sampled = 0

    def __call__(self, _input_ids: object, _logits: object) -> bool:
        self.sampled += 1
        return False


def _stopping_criteria(counter: _TokenCounter, template_criteria: object | None) -> object:
    from llama_cpp import StoppingCriteriaList

    criteria = StoppingCriteriaList([counter])
    if template_criteria is not None:
        criteria.extend(template_criteria)
    return criteria


def _grammar(json_schema: dict | None) -> object | None:
    if json_schema is None:
        return None
    import json

    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_json_schema(json.dumps(json_schema), verbose=False)


class _AbortOnCancel:
    """Lets a cancel interrupt prompt evaluation, which can take many seconds on a CPU.

    llama.cpp polls the callback between graph nodes; it is removed once the first token
    arrives, so generation (where cancel is checked between tokens) pays nothing for it.
    """

    def __init__(self, llama: object, cancel: threading.Event | None) -> None:
        self.llama = llama
        self.cancel = cancel
        self.fired = False
        self._callback: object | None = None

    def __enter__(self) -> "_AbortOnCancel":
        if self.cancel is None:
            return self
        import llama_cpp

        def should_abort(_data: ctypes.c_void_p) -> bool:
            if self.cancel is not None and self.cancel.is_set():
                self.fired = True
                return True
            return False

        self._callback = llama_cpp.ggml_abort_callback(should_abort)
        llama_cpp.llama_set_abort_callback(self.llama._ctx.ctx, self._callback, None)
        return self

    def disarm(self) -> None:
        if self._callback is None:
            return
        import llama_cpp

        llama_cpp.llama_set_abort_callback(self.llama._ctx.ctx, llama_cpp.ggml_abort_callback(), None)
        self._callback = None

    def __exit__(self, *exc: object) -> None:
        self.disarm()
