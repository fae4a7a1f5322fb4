"""The history store keeps conversations across logchat versions: its schema is versioned and migrated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from logcore.errors import LogchatError
from models.conversation import Conversation
from models.prompts import Turn
from tui.history import SCHEMA_VERSION, HistoryStore

# The schema logchat wrote before versioning (user_version 0), with one saved conversation.
OLD_SCHEMA = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, source TEXT NOT NULL,
    scope TEXT NOT NULL, model TEXT NOT NULL, title TEXT NOT NULL, log_text TEXT NOT NULL);
CREATE TABLE turns (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT,
    PRIMARY KEY (conversation_id, position));
INSERT INTO conversations VALUES (1, 1700000000.0, 'app.log', 'page: lines 1-20', 'local:x', 'Summarize', '1 | boot');
INSERT INTO turns VALUES (1, 0, 'What happened?', 'It booted.');
"""


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_an_old_history_opens_with_its_conversations_and_takes_new_fields(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
    store = HistoryStore(path)
    assert user_version(path) == SCHEMA_VERSION >= 2
    old = store.load(1)
    assert (old.title, old.log_text, old.turns) == ("Summarize", "1 | boot", [Turn("What happened?", "It booted.")])
    assert old.findings_text == ""
    old.findings_text = "onset: line 1"
    old.turns.append(Turn("Why?", "A deploy."))
    store.save(old)
    again = HistoryStore(path)  # opening a current database migrates nothing
    assert again.load(1).findings_text == "onset: line 1" and [e.turns for e in again.recent()] == [2]


def test_a_new_history_starts_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    store = HistoryStore(path)
    conversation_id = store.save(Conversation("a.log", "file", "m", "Ask", "1 | x", findings_text="f"))
    assert user_version(path) == SCHEMA_VERSION and store.load(conversation_id).findings_text == "f"


def test_a_history_from_a_newer_logchat_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    HistoryStore(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LogchatError, match="newer than this logchat"):
        HistoryStore(path)
