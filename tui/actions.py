"""Every app action in one table: its default keys, its palette title and its help line.

The key bindings, the command palette entries and the help screen are all generated from this
table, so an action cannot exist on a key without a palette entry or the other way round.
Each binding has an id, so users can rebind it (see `keymap.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class ActionSpec:
    id: str
    keys: str
    action: str
    title: str
    help: str
    footer: bool = False
    priority: bool = False


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("summarize", "1", "task('summarize')", "Summarize", "Summarize the analysis scope", True),
    ActionSpec("rootcause", "2", "task('rootcause')", "Root cause", "Find the root cause of the main issues", True),
    ActionSpec("patterns", "3", "task('patterns')", "Patterns", "Describe the patterns in the scope", True),
    ActionSpec("compare", "4", "task('compare')", "Compare halves", "Compare errors in the first and second half", True),
    ActionSpec("findings", "F", "findings", "Findings", "Show the incident and its likely causes in the scope, computed without a model"),
    ActionSpec("ask", "i", "focus_chat", "Ask a question", "Type a question or a follow-up", True),
    ActionSpec("stop", "escape", "stop", "Stop answer", "Stop the answer being streamed (keeps what arrived)"),
    ActionSpec("retry", "r", "retry", "Retry answer", "Ask the last question again"),
    ActionSpec("copy", "y", "copy_answer", "Copy answer", "Copy the last answer to the clipboard (works over SSH)"),
    ActionSpec("new", "ctrl+n", "new_conversation", "New conversation", "Forget the conversation; the next question starts afresh"),
    ActionSpec("next_cite", "right_square_bracket", "cite(1)", "Next cited line", "Jump the log view to the next line the answer cites"),
    ActionSpec("prev_cite", "left_square_bracket", "cite(-1)", "Previous cited line", "Jump to the previous cited line"),
    ActionSpec("scope", "s", "cycle_scope", "Change scope", "Cycle what is analysed: page, marked range, last N, filtered, whole file", True),
    ActionSpec("mark", "m", "mark", "Mark range", "Start, end or clear a marked range at the cursor line"),
    ActionSpec("search", "slash", "search", "Search", "Find text in the log", True),
    ActionSpec("next_match", "n", "find(True)", "Next match", "Go to the next search match"),
    ActionSpec("prev_match", "N", "find(False)", "Previous match", "Go to the previous search match"),
    ActionSpec("filter", "f", "filter_text", "Filter", "Show only lines containing text (empty shows all)"),
    ActionSpec("level", "l", "filter_level", "Filter by level", "Cycle the level filter: all, WARN and worse, ERROR and worse"),
    ActionSpec("goto", "g", "goto", "Go to line or time", "Jump to a line number or a time (HH:MM[:SS] or ISO)"),
    ActionSpec("merge", "plus", "merge_tabs", "Merge open tabs", "One tab with every open file's lines in time order, each marked with its file (again: new tabs join it)"),
    ActionSpec("wrap", "w", "toggle_wrap", "Toggle wrap", "Wrap long lines"),
    ActionSpec("follow", "t", "toggle_follow", "Toggle follow", "Follow the end of the file as it grows", True),
    ActionSpec("watch", "a", "toggle_watch", "Toggle live watch", "Assess new lines for risk while following and alert"),
    ActionSpec("patterns_panel", "p", "toggle_patterns", "Patterns panel", "Show templates with counts; Enter filters to one"),
    ActionSpec("answers", "v", "toggle_answers", "Toggle answer panel", "Show or hide the conversation"),
    ActionSpec("focus_answer", "o", "focus_answer", "Focus answer", "Move focus to the answer to scroll it"),
    ActionSpec("model", "M", "choose_model", "Switch model", "Choose the bundled model, a GGUF file or an endpoint"),
    ActionSpec("history", "h", "history", "History", "Reopen a saved conversation"),
    ActionSpec("export", "e", "export", "Export Markdown", "Save the conversation as a Markdown file"),
    ActionSpec("help", "question_mark,f1", "help", "Help", "Show every key", True),
    ActionSpec("quit", "q", "quit", "Quit", "Leave logchat"),
)


def bindings() -> list[Binding]:
    return [
        Binding(spec.keys, spec.action, spec.title, show=spec.footer, id=spec.id, priority=spec.priority)
        for spec in ACTIONS
    ]
