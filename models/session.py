"""One analysis request, the same for the one-shot CLI and the app.

    scope lines -> findings (no model, fast) -> fit/digest within one log budget -> messages
    -> stream, citations checked as it goes -> usage

Each step returns data and touches no UI: the CLI prints it to stderr, the app posts it as
messages from its worker. The findings come first because they are ready long before the
model's first token, and because a small model answers better when it starts from them; their
tokens are paid out of the log's budget (models.context.log_budget), never the answer's.

Several logs merged by time (`LogSlice.merged`, a `logcore.merge.MergedText`) go through the same
steps: the findings are found across the files, the model reads every line labelled with its
file and own line (`b.log:412 | ...`), and citations of `b.log:412` are checked against that
file (`LogSlice.file_lines`, passed to `citation_checker(files=...)`). A bare `line N` in such an
answer means row N of the merged view, the numbering `LogSlice.line_text` keeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from models.backend import Backend
from models.context import POLICY_DIGEST, FittedLog, fit_lines
from models.prompts import Message, Turn, build_messages, evidence_text, label_line, number_line
from models.settings import Settings

if TYPE_CHECKING:
    from logcore.findings import Findings
    from logcore.merge import MergedText
    from models.citations import Citation, CitationChecker, FileLines, LineText


@dataclass(frozen=True)
class LogSlice:
    """The lines an analysis reads. Contiguous lines start at `first_line` (1-based); a
    non-contiguous selection (filtered lines) carries each line's number in `numbers`.

    `merged` (optional): the slice is these merged files (`LogSlice.of_merged`); `lines` are its
    rows (1-based rows are its line numbers) and each line is shown and cited as `b.log:412`."""

    lines: Sequence[str]
    first_line: int = 1
    source: str = ""
    numbers: Sequence[int] | None = None
    notes: tuple[str, ...] = ()
    merged: MergedText | None = None

    @classmethod
    def of_merged(cls, merged: MergedText, notes: Sequence[str] = ()) -> LogSlice:
        """All rows of merged files; the alignment assumptions become notes."""
        names = " + ".join(source.name for source in merged.sources)
        return cls(merged.lines, 1, names, None, (*notes, *(a.text for a in merged.alignments)), merged)

    @property
    def contiguous(self) -> bool:
        return self.numbers is None

    @property
    def last_line(self) -> int:
        if self.numbers is not None:
            return self.numbers[-1] if self.numbers else self.first_line - 1
        return self.first_line + len(self.lines) - 1

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def model_text(self) -> str:
        """The lines as the model reads them: every line numbered with its number in the file."""
        if self.merged is not None:
            return "\n".join(label_line(self.merged.label(i), line) for i, line in enumerate(self.lines))
        numbers = self.numbers if self.numbers is not None else range(self.first_line, self.last_line + 1)
        return "\n".join(number_line(n, line) for n, line in zip(numbers, self.lines))

    def file_lines(self) -> dict[str, FileLines] | None:
        """Over merged files: each file's name and its lines here, for checking `b.log:412`
        against that file's own line numbers (a slice may start part way into a file, or be a
        filter's rows); a file's line that is not here checks as outside. Else None."""
        if self.merged is None:
            return None
        from models.citations import FileLines

        merged = self.merged
        by_file: list[dict[int, str]] = [{} for _ in merged.sources]
        for (source, line), text in zip(merged.origin, self.lines):
            by_file[source][line + 1] = text
        return {source.name: FileLines(lines.get, min(lines), max(lines))
                for source, lines in zip(merged.sources, by_file) if lines}

    def line_text(self) -> LineText:
        """Text of a 1-based file line inside this slice, None outside it (for citation checks)."""
        if self.numbers is None:
            first, lines = self.first_line, self.lines

            def contiguous(number: int) -> str | None:
                return lines[number - first] if first <= number < first + len(lines) else None

            return contiguous
        by_number = dict(zip(self.numbers, self.lines))
        return by_number.get


def find_evidence(log: LogSlice) -> Findings | None:
    """The log core's findings for a contiguous slice (milliseconds for thousands of lines);
    None for a non-contiguous selection, whose gaps would fake bursts and onsets. Over merged
    files, the findings across them."""
    if not log.contiguous or not log.lines:
        return None
    from logcore.findings import find_incidents, find_merged_incidents

    if log.merged is not None:
        return find_merged_incidents(log.merged)

    return find_incidents(log.lines, first_line=log.first_line, source=log.source)


@dataclass
class Prepared:
    """The log and the findings exactly as the model reads them, and what was left out."""

    log_text: str
    findings_text: str
    fitted: FittedLog
    notes: list[str] = field(default_factory=list)

    @property
    def digested(self) -> bool:
        return self.fitted.policy == POLICY_DIGEST

    merged: bool = False  # the log is merged files, its lines labelled b.log:412

    @property
    def shown(self) -> str:
        """Everything of the log the model reads: for checking what its answer names."""
        return f"{self.findings_text}\n{self.log_text}"

    def messages(self, turns: list[Turn]) -> list[Message]:
        return build_messages(self.log_text, turns, findings_text=self.findings_text, merged=self.merged)


def prepare(backend: Backend, log: LogSlice, question: str, settings: Settings, *,
            findings: Findings | None = None, digest: bool = False) -> Prepared:
    """Fit the slice (and the findings) into the model's context under the one budget rule.
    Needs the model's tokenizer: call with the model lock held for a local model."""
    findings_text = evidence_text(findings)
    lines = log.lines if log.contiguous else log.model_text.split("\n")
    fitted = fit_lines(
        lines, question, backend,
        reserve_tokens=settings.max_tokens, budget_tokens=settings.log_tokens,
        first_line=log.first_line, source=log.source, numbered=not log.contiguous,
        findings_text=findings_text, digest=digest, merged=log.merged,
    )
    return Prepared(fitted.text, findings_text, fitted, list(log.notes) + list(fitted.omitted),
                    merged=log.merged is not None)


@dataclass(frozen=True)
class Piece:
    """One streamed fragment and the citations it completed (checked against the log)."""

    text: str
    citations: tuple[Citation, ...] = ()


def citation_checker(line_text: LineText, first_line: int, last_line: int, *, question: str = "",
                     source: str = "", shown: str = "",
                     files: Mapping[str, FileLines] | None = None) -> CitationChecker:
    """The one citation checker (models.citations) over lines first_line..last_line.

    The question's words and the file name are no claims about a line; `shown` (the log text and
    findings the model read) tells which names the log really uses, so they are checked too.
    `files` (optional; `LogSlice.file_lines()` of a merged slice): the merged files by name, so
    `b.log:412` is checked against b.log's own line 412."""
    from models.citations import CitationChecker

    return CitationChecker(line_text, first_line=first_line, last_line=last_line,
                           exempt=f"{question}\n{source}", shown=shown, files=files)


def stream_answer(backend: Backend, messages: list[Message], settings: Settings, *,
                  cancel: threading.Event, checker: CitationChecker | None = None) -> Iterator[Piece]:
    """The answer as it streams, each fragment with the citations it completed; the last piece
    carries the citations only the end of the stream completes. `backend.last_usage` is final
    once this ends. Setting `cancel` ends it early without an error."""
    for fragment in backend.stream(messages, max_tokens=settings.max_tokens,
                                   temperature=settings.temperature, cancel=cancel):
        yield Piece(fragment, tuple(checker.feed(fragment)) if checker is not None else ())
        if cancel.is_set():
            break
    if checker is not None:
        rest = checker.finish()
        if rest:
            yield Piece("", tuple(rest))
