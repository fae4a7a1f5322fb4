"""The model the app talks to: loaded once on first use, one request at a time, switchable.

A local llama.cpp model serves one request at a time and is not thread-safe, so every use
(answer, risk check, token count) holds `lock`. The host is a plain object shared by the chat
pane, the live watch and the log panes; it reports loading through the `post` callback (the
app's thread-safe `post_message`), never by touching widgets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.message import Message

from logcore.errors import LogchatError
from models.backend import Backend
from models.settings import Settings
from tui.messages import BackendFailed, BackendReady

BackendFactory = Callable[[str | None], Backend]


def default_backend_factory(settings: Settings) -> BackendFactory:
    def factory(spec: str | None) -> Backend:
        from models.resolve import resolve_backend

        return resolve_backend(spec, settings)

    return factory


class ModelHost:
    def __init__(self, factory: BackendFactory, spec: str | None, settings: Settings, *,
                 post: Callable[[Message], object], preload: bool) -> None:
        self._factory = factory
        self.spec = spec
        self.settings = settings
        self._post = post
        self.preload = preload
        self.backend: Backend | None = None
        self.error: str | None = None
        self._init = threading.Lock()
        self.lock = threading.Lock()  # held for every use of the backend
        self.stopping = threading.Event()  # set at exit: long model calls end at their next token
        self._known_specs: list[str] = [s for s in (spec, settings.model) if s and s != "bundled"]

    def ensure(self) -> Backend:
        """The model, loaded on first use. Call on a worker thread: loading takes seconds."""
        with self._init:
            if self.backend is None:
                backend = self._factory(self.spec)
                self.backend = backend
                self._post(BackendReady(backend))
            return self.backend

    def load(self) -> None:
        """Load now (worker thread); a failure is reported, never raised into the viewer."""
        try:
            self.ensure()
        except LogchatError as exc:
            self._post(BackendFailed(str(exc)))
        except Exception as exc:  # a model runtime failure must not take the viewer down
            self._post(BackendFailed(f"{type(exc).__name__}: {exc}"))

    @property
    def name(self) -> str:
        """The model's name for a conversation record, before or after it loaded."""
        return self.backend.name if self.backend is not None else (self.spec or "bundled")

    def label(self) -> str:
        """The status line's model part."""
        if self.backend is not None:
            return self.backend.name
        if self.error:
            return "model: unavailable"
        return "model: loading" if self.preload else "model: loads when asked"

    def choices(self) -> list[tuple[str, str]]:
        """(spec, label) pairs: the bundled model, configured models and endpoints."""
        choices: list[tuple[str, str]] = [("bundled", "bundled SmolLM2-135M-Instruct (local)")]
        for spec in self._known_specs:
            if all(spec != known for known, _ in choices):
                choices.append((spec, spec))
        if self.settings.endpoint:
            spec = f"openai:{self.settings.endpoint}"
            if all(spec != known for known, _ in choices):
                choices.append((spec, f"endpoint {self.settings.endpoint}"))
        return choices

    def switch(self, spec: str) -> Backend | None:
        """Forget the current model (returned, for `close_backend` on a worker) and use `spec`."""
        old, self.backend = self.backend, None
        self.spec = spec
        self.error = None
        return old

    def close_backend(self, backend: Backend | None) -> None:
        """Close a model once no one uses it (worker thread)."""
        if backend is not None:
            with self.lock:
                backend.close()

    def close(self) -> None:
        """At exit: stop model calls and close the model once the running stream let go."""
        self.stopping.set()
        if self.backend is not None and self.lock.acquire(timeout=10):
            try:
                self.backend.close()
            except Exception:  # closing a model at exit must never hide the real exit status
                pass
            finally:
                self.lock.release()
