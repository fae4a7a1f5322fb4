"""What `logchat models` lists: the bundled model, GGUFs already in the Hugging Face cache, and
the models a configured endpoint serves. Nothing here downloads anything."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from logcore.errors import LogchatError
from models.settings import Settings


@dataclass
class AvailableModel:
    spec: str  # what to pass to --model
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def list_available(settings: Settings) -> tuple[list[AvailableModel], list[LogchatError]]:
    found: list[AvailableModel] = []
    problems: list[LogchatError] = []
    for lister in (_bundled, _hf_cache, _remote):
        try:
            found.extend(lister(settings))
        except LogchatError as problem:
            problems.append(problem)
    return found, problems


def _bundled(_settings: Settings) -> list[AvailableModel]:
    from models.resolve import bundled_model_path

    path = bundled_model_path()
    return [AvailableModel("bundled", f"default, {path.stat().st_size / 1e6:.0f} MB, {path}")]


def _hf_cache(_settings: Settings) -> list[AvailableModel]:
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        cache = scan_cache_dir()
    except CacheNotFound:
        return []
    found = []
    for repo in sorted(cache.repos, key=lambda r: r.repo_id):
        names = {f.file_name: f for revision in repo.revisions for f in revision.files}
        for name, info in sorted(names.items()):
            if name.endswith(".gguf"):
                found.append(AvailableModel(f"hf:{repo.repo_id}/{name}", f"{info.size_on_disk / 1e6:.0f} MB, Hugging Face cache"))
    return found


def _remote(settings: Settings) -> list[AvailableModel]:
    if not settings.endpoint:
        return []
    from models.endpoint import list_models, resolve_endpoint

    endpoint = resolve_endpoint(settings.endpoint, settings)
    return [
        AvailableModel(
            f"openai:{endpoint.base_url}#{m.id}",
            "remote" + (f", context {m.context:,}" if m.context else "") + (f", owned by {m.owned_by}" if m.owned_by else ""),
        )
        for m in list_models(endpoint, timeout_s=min(settings.timeout_s, 15.0))
    ]
