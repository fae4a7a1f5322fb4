"""User key rebinding: `keys.toml` in the config directory maps action ids to keys.

Example: `summarize = "ctrl+s"` or `search = "slash,ctrl+f"`. Ids are those in `actions.py`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import platformdirs

from logcore.errors import LogchatError
from tui.actions import ACTIONS


def keymap_path() -> Path:
    return Path(platformdirs.user_config_dir("logchat")) / "keys.toml"


def load_keymap(path: Path | None = None) -> dict[str, str]:
    path = path or keymap_path()
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LogchatError(f"cannot read key bindings {path}: {exc}; fix or remove it") from None
    table = data.get("keys", data)
    known = {spec.id for spec in ACTIONS}
    unknown = sorted(set(table) - known)
    if unknown:
        raise LogchatError(f"{path}: unknown action ids {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return {str(key): str(value) for key, value in table.items()}
