"""Saved conversations: SQLite in the platform data directory, with a versioned schema.

What is stored is what the user saw and asked: the source, the scope label, the model's name,
the log excerpt and findings the model read (so a reopened conversation can take follow-ups),
and the turns. Settings are never stored, so neither is an API key.

The schema version is SQLite's `PRAGMA user_version`; `_MIGRATIONS[k]` takes a database from
version k to k + 1, so a history written by any earlier logchat opens and keeps its
conversations. A database written before versioning has the first schema at version 0.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from logcore.errors import LogchatError
from models.conversation import Conversation
from models.prompts import Turn

DATA_DIR_ENV = "LOGCHAT_DATA_DIR"

_MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the first schema (IF NOT EXISTS: databases from before versioning already have it)
    """
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
    """,
    # 1 -> 2: the findings block the model read with the log
    "ALTER TABLE conversations ADD COLUMN findings_text TEXT NOT NULL DEFAULT '';",
)
SCHEMA_VERSION = len(_MIGRATIONS)


def default_history_path() -> Path:
    base = os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("logchat")
    return Path(base) / "history.sqlite3"


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    created: float
    source: str
    title: str
    turns: int


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the database to SCHEMA_VERSION, one migration per transaction.

    BEGIN IMMEDIATE takes the write lock before the version is read, so two logchats opening
    an old history at once migrate it once.
    """
    while True:
        db.execute("BEGIN IMMEDIATE")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            db.execute("COMMIT")
            if version > SCHEMA_VERSION:
                raise LogchatError(f"history {path} has schema version {version}, newer than this logchat "
                                   f"understands ({SCHEMA_VERSION}); upgrade logchat or move the file aside")
            return
        try:
            for statement in _MIGRATIONS[version].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


class HistoryStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_history_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        try:
            migrate(db, self.path)
        except sqlite3.DatabaseError as exc:
            raise LogchatError(f"history {self.path} cannot be read ({exc}); move it aside to start a new one") from None
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5, isolation_level=None)  # transactions are explicit
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def save(self, conversation: Conversation) -> int:
        """Insert or replace the conversation and all its turns; returns its id."""
        db = self._connect()
        try:
            db.execute("BEGIN")
            if conversation.id is None:
                cursor = db.execute(
                    "INSERT INTO conversations (created, source, scope, model, title, log_text, findings_text) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (conversation.created, conversation.source, conversation.scope, conversation.model,
                     conversation.title, conversation.log_text, conversation.findings_text),
                )
                conversation.id = int(cursor.lastrowid)
            else:
                db.execute("UPDATE conversations SET model = ?, log_text = ?, findings_text = ? WHERE id = ?",
                           (conversation.model, conversation.log_text, conversation.findings_text,
                            conversation.id))
                db.execute("DELETE FROM turns WHERE conversation_id = ?", (conversation.id,))
            db.executemany(
                "INSERT INTO turns (conversation_id, position, question, answer) VALUES (?, ?, ?, ?)",
                [(conversation.id, i, t.question, t.answer) for i, t in enumerate(conversation.turns)],
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        return conversation.id

    def recent(self, limit: int = 50) -> list[HistoryEntry]:
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT c.id, c.created, c.source, c.title, COUNT(t.position) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id "
                "ORDER BY c.created DESC, c.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        finally:
            db.close()
        return [HistoryEntry(*row) for row in rows]

    def load(self, conversation_id: int) -> Conversation:
        db = self._connect()
        try:
            row = db.execute(
                "SELECT id, created, source, scope, model, title, log_text, findings_text "
                "FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise KeyError(conversation_id)
            turns = db.execute(
                "SELECT question, answer FROM turns WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
        finally:
            db.close()
        id_, created, source, scope, model, title, log_text, findings_text = row
        return Conversation(source, scope, model, title, log_text, [Turn(q, a) for q, a in turns],
                            id=id_, created=created, findings_text=findings_text)
