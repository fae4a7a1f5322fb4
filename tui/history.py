"""Saved conversations: SQLite in the platform data directory.

What is stored is what the user saw and asked: the source, the scope label, the model's name,
the log excerpt the model read (so a reopened conversation can take follow-ups), and the turns.
Settings are never stored, so neither is an API key.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from models.prompts import Turn

DATA_DIR_ENV = "LOGCHAT_DATA_DIR"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    source TEXT NOT NULL,
    scope TEXT NOT NULL,
    model TEXT NOT NULL,
    title TEXT NOT NULL,
    log_text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT,
    PRIMARY KEY (conversation_id, position)
);
"""


def default_history_path() -> Path:
    base = os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("logchat")
    return Path(base) / "history.sqlite3"


@dataclass
class Conversation:
    """One analysis: the log text the model read and the questions asked about it."""

    source: str
    scope: str
    model: str
    title: str
    log_text: str = ""
    turns: list[Turn] = field(default_factory=list)
    id: int | None = None
    created: float = field(default_factory=time.time)


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    created: float
    source: str
    title: str
    turns: int


class HistoryStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_history_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def save(self, conversation: Conversation) -> int:
        """Insert or replace the conversation and all its turns; returns its id."""
        with self._connect() as db:
            if conversation.id is None:
                cursor = db.execute(
                    "INSERT INTO conversations (created, source, scope, model, title, log_text) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (conversation.created, conversation.source, conversation.scope,
                     conversation.model, conversation.title, conversation.log_text),
                )
                conversation.id = int(cursor.lastrowid)
            else:
                db.execute("UPDATE conversations SET model = ?, log_text = ? WHERE id = ?",
                           (conversation.model, conversation.log_text, conversation.id))
                db.execute("DELETE FROM turns WHERE conversation_id = ?", (conversation.id,))
            db.executemany(
                "INSERT INTO turns (conversation_id, position, question, answer) VALUES (?, ?, ?, ?)",
                [(conversation.id, i, t.question, t.answer) for i, t in enumerate(conversation.turns)],
            )
        return conversation.id

    def recent(self, limit: int = 50) -> list[HistoryEntry]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.created, c.source, c.title, COUNT(t.position) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id "
                "ORDER BY c.created DESC, c.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [HistoryEntry(*row) for row in rows]

    def load(self, conversation_id: int) -> Conversation:
        with self._connect() as db:
            row = db.execute(
                "SELECT id, created, source, scope, model, title, log_text FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise KeyError(conversation_id)
            turns = db.execute(
                "SELECT question, answer FROM turns WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
        id_, created, source, scope, model, title, log_text = row
        return Conversation(source, scope, model, title, log_text, [Turn(q, a) for q, a in turns],
                            id=id_, created=created)


def to_markdown(conversation: Conversation) -> str:
    """A conversation as a Markdown document a person can keep or share."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.created))
    parts = [
        f"# {conversation.title}: {conversation.source}",
        "",
        f"- Scope: {conversation.scope}",
        f"- Model: {conversation.model}",
        f"- Date: {when}",
    ]
    for turn in conversation.turns:
        parts += ["", f"## {turn.question}", "", (turn.answer or "*(no answer)*").strip()]
    return "\n".join(parts) + "\n"
