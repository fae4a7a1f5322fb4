"""The one citation checker: every line an answer cites must exist and say what the answer says.

A model that writes "line 2 shows the pool timeout" when line 2 is the start-up banner sends a
reader to the wrong place with confidence. Each citation (`line 62`, `lines 62-66`, `lines 3, 5
and 9`, `L62`) is checked twice: the line must be inside the log or scope, and where its sentence
quotes text ("...", `...`, '...'), names an entity (an id, host, port, path, key=value,
ExceptionName) or copies four or more words of a log line without quotes, the cited line, or
any line of a cited range, must contain it.

False alarms cost trust too, so a claim is only held against a citation when the sentence
cannot have meant another one: a claim found in any line the sentence cites is satisfied; one
found in none is charged to the nearest citation of its own clause (a clause with no citation
makes no checkable claim); words of the question (`exempt`) and counts, times, durations and
plain words are never claims. Code blocks and quotes are not searched for citations.

Several files: an answer over merged logs cites `b.log:412`, `b.log:412-415`, `b.log line 412` or
`line 412 of b.log`, and each is checked against that file's own lines (`files`, name -> its
lines), with the same place and claim rules. Only the names of those files are read as files,
so times (`12:30`), versions and `host:port` are never citations. A bare `line 412` keeps its
meaning: the numbering of `line_text` (over merged logs, the merged view's rows).

Streaming: a citation is final only when its sentence has ended (the number cannot grow,
"line 6" may become "line 62", and the sentence's quotes are known), so `CitationChecker`
checks whole sentences as they complete; feeding an answer in any pieces gives the same
citations as checking it whole.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

LineText = Callable[[int], str | None]  # text of a 1-based file line, None if not in the log/scope

_MAX_RANGE_SCAN = 2000  # lines of a cited range searched for a claim; past that, no verdict
_PHRASE_WORDS = 4  # words copied verbatim from a log line make an implicit quote...
_PHRASE_CHARS = 20  # ...of at least this many characters
_MAX_PHRASE_SCOPE = 10_000  # lines read to know the log's phrases; a bigger scope is not read

# ------------------------------------------------------------------------ finding citations
_HEAD = re.compile(r"(?<![\w\-./#])(?:(?P<word>(?i:lines?))\s*#?\s*|(?P<short>L) ?)(?=\d)")
_NUMBER = re.compile(r"\d{1,9}(?![\w]|[.:]\d)")
_RANGE_SEP = re.compile(r"\s*(?:-|–|—|(?i:to|through|thru)\b)\s*(?:L|(?i:lines?)\s*)?#?\s*(?=\d)")
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:(?i:and|or)\b)?|(?i:and|or)\b|&)\s*(?:(?P<word>L|(?i:lines?))\s*)?#?\s*(?=\d)")
_PLAIN_SEP = re.compile(r"\s*(?:(?i:and|or)\b|&)\s*(?:(?P<word>L|(?i:lines?))\s*)?#?\s*(?=\d)")  # no comma
_COUNT_AFTER = re.compile(
    r"\s*(?i:ms|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?|hours?|days?|times|x|%|more|other|"
    r"errors?|warnings?|requests?|lines)\b"
)
_CAPS_AFTER = re.compile(r" [A-Z][A-Z0-9]+\b")  # "L3 EDRAM": a name, not a citation

# ------------------------------------------------------------------------ quotes and entities
_QUOTE = re.compile(
    r"(?P<tick>`+)(?P<code>[^`\n]+?)(?P=tick)"
    r"|\"(?P<dq>[^\"\n]+)\""
    r"|“(?P<curly>[^”\n]+)”"
    r"|(?<![\w])'(?P<sq>[^'\s](?:[^'\n]*[^'\s])?)'(?![\w])"
)
_TOKEN = re.compile(r"(?<![\w./:=@~+-])/?[A-Za-z0-9_][\w.\-/:=@~+]*", re.ASCII)
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?")
_NOT_ENTITY = re.compile(
    r"[\d.,:/-]+"  # numbers, times, dates, versions without letters
    r"|\d{4}-\d\d-\d\d[T ]?[\d:.,]*Z?"  # ISO timestamps
    r"|\d+(?:\.\d+)?[A-Za-z]{1,3}"  # 500ms, 30s, 64MB, 5xx, 3rd
    r"|[A-Za-z]{1,2}\d{1,3}"  # p99, v2, T12 (a digest template id), L3
    r"|[A-Z][A-Z0-9]*"  # ERROR, WARN, OOM
)
_CAMEL = re.compile(r".(?:.*[a-z][A-Z]|.*[A-Z]{2}[a-z])")  # getConnection, PoolTimeoutError, SQLException
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")  # [line 62](line:62): the target is no entity
_CLAUSE_CUT = re.compile(
    r";|\s[—–-]\s|,\s*(?=(?:so|and|but|which|while|because|whereas|then|causing|leading|after which)\b)"
    r"|\s(?=(?:because|whereas|while)\b)",
    re.I,
)
_QUOTE_PREFIX = re.compile(r"^\s*(?:\d+\s*\|\s?|(?i:line)\s+\d+:\s*)")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_WILDCARD = "<*>"


@dataclass(frozen=True)
class FileLines:
    """One file an answer over several logs may cite by name: its lines inside the scope."""

    line_text: LineText  # text of a 1-based line of this file, None if not in the scope
    first_line: int
    last_line: int


@dataclass(frozen=True)
class Reference:
    """A citation as written, not yet checked."""

    start: int
    end: int
    span: tuple[int, int]  # character offsets in the answer
    text: str
    file: str | None = None  # "b.log" for b.log:412; None for a bare line number


@dataclass(frozen=True)
class Claim:
    """Text an answer says the log contains: a quote, or an entity it names."""

    text: str
    kind: str  # "quote", "entity" or "phrase" (words copied from a log line without quotes)
    span: tuple[int, int]


@dataclass(frozen=True)
class Citation:
    start: int
    end: int  # 1-based inclusive lines cited ("line 62" -> 62, 62; "lines 62-66" -> 62, 66)
    span: tuple[int, int]  # character offsets of the citation text in the answer
    text: str  # the citation as written, e.g. "lines 62-66", "L62", "b.log:412"
    valid: bool
    reason: str  # "" when valid, else one short phrase naming the line and the problem
    file: str | None = None  # the file cited by name; its own line numbers in start/end

    def to_json(self) -> dict:
        out = {"line": self.start, "end": self.end, "valid": self.valid, "reason": self.reason}
        if self.file is not None:
            out["file"] = self.file
        return out


# ------------------------------------------------------------------------ public API
def check_citations(
    answer: str,
    line_text: LineText,
    *,
    first_line: int,
    last_line: int,
    exempt: str = "",
    shown: str = "",
    files: Mapping[str, FileLines] | None = None,
) -> list[Citation]:
    """Every citation in `answer`, checked. `exempt`: text whose words are no claims about a
    line (the question, the file name). `shown`: what the model read (log, digest, findings);
    a plain hyphenated or CamelCase word (order-export, HikariPool) counts as an entity only if it
    occurs there. `files`: over several logs, each file's name and lines, for `b.log:412`
    citations (their names are no claims either)."""
    checker = CitationChecker(line_text, first_line=first_line, last_line=last_line,
                              exempt=exempt, shown=shown, files=files)
    checker.feed(answer)
    checker.finish()
    return checker.citations


class CitationChecker:
    """Checks citations while an answer streams."""

    def __init__(self, line_text: LineText, *, first_line: int, last_line: int,
                 exempt: str = "", shown: str = "", files: Mapping[str, FileLines] | None = None) -> None:
        """`files` (optional, name -> FileLines): the files of a merged log, citable by name."""
        self._line_text = line_text
        self._first, self._last = first_line, last_line
        self._files = dict(files or {})
        self._names = tuple(self._files)
        self._exempt = _fold("\n".join([exempt, *self._names]))
        self._shown = shown
        self._text = ""
        self._sentences = _Sentences()
        self._citations: list[Citation] = []

    def feed(self, fragment: str) -> list[Citation]:
        """Citations completed by this fragment (their sentence ended), in answer order."""
        self._text += fragment
        return self._check(final=False)

    def finish(self) -> list[Citation]:
        """The rest, at the end of the stream."""
        return self._check(final=True)

    @property
    def citations(self) -> list[Citation]:
        return list(self._citations)

    def _check(self, *, final: bool) -> list[Citation]:
        new: list[Citation] = []
        for start, end in self._sentences.complete(self._text, final):
            new.extend(self._check_sentence(start, end))
        self._citations.extend(new)
        return new

    def _check_sentence(self, start: int, end: int) -> list[Citation]:
        sentence = _Sentence(self._text, start, end, self._shown, self._names)
        if not sentence.refs:
            return []
        failures: dict[int, list[str]] = {}
        for claim in [*sentence.claims, *self._copied(sentence)]:
            if _fold(claim.text) in self._exempt:
                continue
            if any(self._holds(ref, claim) is not False for ref in sentence.refs):
                continue
            charged = sentence.nearest_in_clause(claim)
            if charged is not None:
                failures.setdefault(charged, []).append(claim.text)
        return [self._verdict(ref, failures.get(i, [])) for i, ref in enumerate(sentence.refs)]

    def _verdict(self, ref: Reference, missing: list[str]) -> Citation:
        reason = self._place_problem(ref)
        if not reason and missing:
            shown = " or ".join(repr(_shorten(m)) for m in missing[:2])
            more = f" (+{len(missing) - 2} more)" if len(missing) > 2 else ""
            verb = "does" if ref.start == ref.end else "do"
            reason = f"{_name(ref)} {verb} not contain {shown}{more}"
        return Citation(ref.start, ref.end, ref.span, ref.text, not reason, reason, ref.file)

    def _scope(self, ref: Reference) -> tuple[LineText, int, int]:
        if ref.file is None:
            return self._line_text, self._first, self._last
        scope = self._files[ref.file]
        return scope.line_text, scope.first_line, scope.last_line

    def _place_problem(self, ref: Reference) -> str:
        if ref.end < ref.start:
            return f"{_name(ref)} end before they start"
        line_text, first, last = self._scope(ref)
        for n in dict.fromkeys((ref.start, ref.end)):
            where = f"line {n}" if ref.file is None else f"{ref.file}:{n}"
            if not first <= n <= last:
                log = "the log" if ref.file is None else ref.file
                return f"{where} is outside {log} (lines {first}-{last})"
            if line_text(n) is None:
                return f"{where} is not among the lines analysed"
        return ""

    @cached_property
    def _log_phrases(self) -> frozenset[tuple[str, ...]]:
        """Every run of _PHRASE_WORDS words in the log lines the model could copy: the whole scope
        when it is small, else the lines `shown` names by number (a digest's examples, findings).
        Always the log's own text: logchat's words in a digest or findings are no log line."""
        scopes: list[tuple[LineText, int, int, str | None]] = [(self._line_text, self._first, self._last, None)]
        scopes += [(f.line_text, f.first_line, f.last_line, name) for name, f in self._files.items()]
        grams: set[tuple[str, ...]] = set()
        by_file: dict[str, set[int]] | None = None  # read from `shown` once, for every file
        for line_text, first, last, name in scopes:
            if last - first < _MAX_PHRASE_SCOPE:
                numbers: Iterable[int] = range(first, last + 1)
            elif name is None:
                numbers = sorted(_numbers_named(self._shown))[:_MAX_PHRASE_SCOPE]
            else:
                if by_file is None:
                    by_file = _file_numbers_named(self._shown, self._names)
                numbers = sorted(by_file[name])[:_MAX_PHRASE_SCOPE]
            for n in numbers:
                if (text := line_text(n)) is not None:
                    grams.update(_grams(_words(text)))
        return frozenset(grams) - set(_grams(_words(self._exempt)))

    def _copied(self, sentence: _Sentence) -> list[Claim]:
        """Runs of the sentence's own words that some log line holds verbatim: an unquoted quote
        ("Connection leak detection triggered ... (line 14)") that the cited line must hold too."""
        words = sentence.words
        inside = [i for i in range(len(words) - _PHRASE_WORDS + 1)
                  if tuple(w for w, _, _ in words[i:i + _PHRASE_WORDS]) in self._log_phrases
                  and words[i + _PHRASE_WORDS - 1][2] - words[i][1] >= _PHRASE_CHARS]
        claims: list[Claim] = []
        for i in inside:
            start, end = words[i][1], words[i + _PHRASE_WORDS - 1][2]
            if claims and start < claims[-1].span[1] - sentence.offset:
                last = claims.pop()
                start = last.span[0] - sentence.offset
            text = " ".join(filter(None, (t.strip("*_~`") for t in sentence.body[start:end].split())))
            claims.append(Claim(text, "phrase", (start + sentence.offset, end + sentence.offset)))
        return claims

    def _holds(self, ref: Reference, claim: Claim) -> bool | None:
        """Whether a cited line contains the claim; None when that cannot be told."""
        if self._place_problem(ref):
            return False
        stop = min(ref.end, ref.start + _MAX_RANGE_SCAN - 1)
        line_text = self._scope(ref)[0]
        texts = [t for n in range(ref.start, stop + 1) if (t := line_text(n)) is not None]
        if any(contains_claim(t, claim) for t in texts):
            return True
        if len(texts) > 1 and claim.kind == "quote" and contains_claim(" ".join(texts), claim):
            return True  # a quote of a multi-line record
        return None if stop < ref.end else False


def find_citations(answer: str, files: Collection[str] = ()) -> list[Reference]:
    """The citations of a whole answer, unchecked (to link them, or to list the lines cited).
    `files`: names of merged files whose `b.log:412` citations count too (`Reference.file`)."""
    sentences = _Sentences()
    names = tuple(files)
    return [ref for start, end in sentences.complete(answer, True)
            for ref in _Sentence(answer, start, end, "", names).refs]


def find_claims(answer: str, *, shown: str = "") -> list[Claim]:
    """Quotes and entities of a whole answer, outside code blocks, without repeats."""
    seen: set[str] = set()
    found: list[Claim] = []
    for start, end in _Sentences().complete(answer, True):
        for claim in _Sentence(answer, start, end, shown).claims:
            key = _fold(claim.text)
            if key not in seen:
                seen.add(key)
                found.append(claim)
    return found


def is_citation(text: str, files: Collection[str] = ()) -> bool:
    """`text` is nothing but a citation ("line 62", "lines 3-5", "b.log:412" of a file in
    `files`): not a quote of the log."""
    text = text.strip()
    names = tuple(files)
    if names and _file_refs(names).fullmatch(text):
        return True
    refs = list(_parse_refs(text, text, ""))
    return bool(refs) and refs[0].span[0] == 0 and refs[-1].span[1] == len(text)


def contains_claim(text: str, claim: Claim) -> bool:
    """Case-insensitive, whitespace folded. A quote may be partial, may elide with `...` and may
    be a template (`<*>` for one variable); an entity must not be part of a longer number."""
    if claim.kind == "phrase":
        return not set(_grams(_words(claim.text))).isdisjoint(_grams(_words(text)))
    haystack = _fold(text)
    if claim.kind == "entity":
        return _has_entity(haystack, _fold(claim.text))
    quote = _fold(_QUOTE_PREFIX.sub("", claim.text))
    parts = [p.strip() for p in _ELLIPSIS.split(quote) if p.strip()]
    if not parts:
        return True
    if all(_WILDCARD not in p for p in parts) and len(parts) == 1:
        return parts[0] in haystack
    pattern = ".*?".join(r"\S*".join(re.escape(x) for x in p.split(_WILDCARD)) for p in parts)
    return re.search(pattern, haystack) is not None


def summary_line(citations: Sequence[Citation]) -> str:
    """e.g. "citations: 5 checked, 1 invalid — line 900 is outside the log (lines 1-412)"."""
    if not citations:
        return "citations: none"
    bad = [c for c in citations if not c.valid]
    head = f"citations: {len(citations)} checked, "
    if not bad:
        return head + "all valid"
    listed = "; ".join(c.reason for c in bad[:3]) + (f"; +{len(bad) - 3} more" if len(bad) > 3 else "")
    return head + f"{len(bad)} invalid — {listed}"


# ------------------------------------------------------------------------ sentences
class _Sentences:
    """Cuts a growing text into sentences, each cut decided by what precedes it and at most one
    character after, so a streamed answer is cut exactly as the whole one. Cuts: a newline, or
    . ! ? before whitespace outside backticks and double quotes. Fenced code is skipped."""

    def __init__(self) -> None:
        self.pos = 0
        self.line_start = True
        self.in_fence = False

    def complete(self, text: str, final: bool) -> Iterator[tuple[int, int]]:
        while self.pos < len(text):
            if self.line_start:
                newline = text.find("\n", self.pos)
                line_end = len(text) if newline < 0 else newline
                head = text[self.pos:line_end].lstrip(" ")
                if newline < 0 and not final and len(head) < 3:
                    return  # cannot yet tell a fence line from prose
                fence = head.startswith(("```", "~~~"))
                if fence or self.in_fence:
                    if newline < 0 and not final:
                        return
                    self.in_fence ^= fence
                    self.pos = line_end + 1
                    continue
                self.line_start = False
            cut = self._cut(text, final)
            if cut is None:
                return
            start, self.pos = self.pos, cut
            if cut <= len(text) and text[cut - 1:cut] == "\n":
                self.line_start = True
                yield start, cut - 1
            else:
                yield start, cut

    def _cut(self, text: str, final: bool) -> int | None:
        """The end of the sentence at `pos` (past its newline, if that ended it), None if unknown."""
        tick = quote = False
        for j in range(self.pos, len(text)):
            ch = text[j]
            if ch == "\n":
                return j + 1
            if ch == "`":
                tick = not tick
            elif tick:
                continue
            elif ch == '"':
                quote = not quote
            elif ch == "“":
                quote = True
            elif ch == "”":
                quote = False
            elif ch in ".!?" and not quote:
                if j + 1 == len(text):
                    return len(text) if final else None
                if text[j + 1] in " \t":
                    return j + 1
        return len(text) if final else None


class _Sentence:
    """One sentence's citations, claims and clauses."""

    def __init__(self, text: str, start: int, end: int, shown: str, files: tuple[str, ...] = ()) -> None:
        self.offset, self.shown, self.files = start, shown, files
        self.body = text[start:end]
        # `b.log:412` in backticks is a citation written as code, not a quote of the log
        self.quotes = [m for m in _QUOTE.finditer(self.body)
                       if not (files and _file_refs(files).fullmatch(_quote_inner(m).strip()))]
        hidden = [m.span() for m in self.quotes] + [m.span() for m in _LINK_TARGET.finditer(self.body)]
        self.masked = _mask(self.body, hidden)
        found = list(_parse_file_refs(self.masked, self.body, files)) if files else []
        bare_masked = _mask(self.masked, [r.span for r in found])
        found += _parse_refs(bare_masked, self.body, shown)
        found.sort(key=lambda r: r.span)
        self.refs = [Reference(r.start, r.end, (r.span[0] + start, r.span[1] + start), r.text, r.file)
                     for r in found]

    @cached_property
    def claims(self) -> list[Claim]:
        start = self.offset
        cite_spans = [(r.span[0] - start, r.span[1] - start) for r in self.refs]
        return [Claim(t, k, (a + start, b + start))
                for t, k, (a, b) in _claims(self.masked, self.quotes, cite_spans, self.shown, self.files)]

    @cached_property
    def words(self) -> list[tuple[str, int, int]]:
        """(normalized word, start, end) of the prose outside quotes and citations; a quote or a
        citation between two words breaks a phrase (its word is None)."""
        cites = [(r.span[0] - self.offset, r.span[1] - self.offset) for r in self.refs]
        prose = _mask(self.masked, cites, "\0")
        prose = _mask(prose, [m.span() for m in self.quotes], "\0")
        out: list[tuple[str, int, int]] = []
        for m in re.finditer(r"[^\s\0]+|\0+", prose):
            word = "\0" if m.group().startswith("\0") else _word(m.group())
            if word:
                out.append((word, m.start(), m.end()))
        return out

    @cached_property
    def cuts(self) -> list[int]:
        return [m.start() + self.offset for m in _CLAUSE_CUT.finditer(self.masked)]

    def nearest_in_clause(self, claim: Claim) -> int | None:
        clause = bisect_right(self.cuts, claim.span[0])
        best: tuple[int, int] | None = None
        for i, ref in enumerate(self.refs):
            if bisect_right(self.cuts, ref.span[0]) != clause:
                continue
            gap = max(ref.span[0] - claim.span[1], claim.span[0] - ref.span[1], 0)
            if best is None or gap < best[0]:
                best = (gap, i)
        return None if best is None else best[1]


_FILE_NUMBER = r"\d{1,9}(?!\w|[.:]\d)"


@lru_cache(maxsize=64)
def _file_refs(files: tuple[str, ...]) -> re.Pattern[str]:
    """`b.log:412`, `b.log:412-415`, `b.log line 412`, `b.log, lines 3-5` and `line 412 of b.log`,
    for these file names only (longest first, so web/a.log is not read as a.log)."""
    names = "|".join(re.escape(n) for n in sorted(files, key=len, reverse=True))
    number = _FILE_NUMBER
    dash = r"\s*[-–—]\s*"
    word_range = r"\s*(?:-|–|—|(?i:to|through)\b)\s*(?:(?i:lines?)\s*)?"
    colon = rf"(?P<f1>{names}):(?P<a1>{number})(?:{dash}(?P<b1>{number}))?"
    words = rf"(?P<f2>{names}),?\s+(?i:lines?)\s*#?\s*(?P<a2>{number})(?:{word_range}(?P<b2>{number}))?"
    of = (rf"(?i:lines?)\s*#?\s*(?P<a3>{number})(?:{word_range}(?P<b3>{number}))?"
          rf"\s+(?i:of|in|from)\s+(?:(?i:the)\s+)?(?:(?i:file)\s+)?(?P<f3>{names})(?![\w\-]|\.\w)")
    return re.compile(rf"(?<![\w\-./#])(?:{colon}|{words}|{of})")


def _parse_file_refs(masked: str, body: str, files: tuple[str, ...]) -> Iterator[Reference]:
    for m in _file_refs(files).finditer(masked):
        k = next(i for i in (1, 2, 3) if m.group(f"f{i}"))
        start = int(m.group(f"a{k}"))
        end = int(m.group(f"b{k}")) if m.group(f"b{k}") else start
        yield Reference(start, end, m.span(), body[m.start():m.end()], m.group(f"f{k}"))


def _parse_refs(masked: str, body: str, shown: str) -> Iterator[Reference]:
    pos = 0
    while (head := _HEAD.search(masked, pos)) is not None:
        pos = head.end()
        short = head.group("short") is not None
        first = _NUMBER.match(masked, head.end())
        if first is None:
            continue
        if short and (_CAPS_AFTER.match(masked, first.end()) or _is_name(body[head.start():first.end()], shown)):
            pos = first.end()
            continue
        plural = not short and head.group("word").lower() == "lines"
        item_start = head.start()
        number = first
        while True:
            start = end = int(number.group())
            stop = number.end()
            sep = _RANGE_SEP.match(masked, stop)
            second = _NUMBER.match(masked, sep.end()) if sep else None
            if second is not None:
                end, stop = int(second.group()), second.end()
            yield Reference(start, end, (item_start, stop), body[item_start:stop])
            pos = stop
            more = (_LIST_SEP if plural else _PLAIN_SEP).match(masked, stop)
            following = _NUMBER.match(masked, more.end()) if more else None
            if following is None or _COUNT_AFTER.match(masked, following.end()):
                break
            number = following
            item_start = more.start("word") if more.group("word") else following.start()


def _quote_inner(m: re.Match[str]) -> str:
    return next(g for g in (m.group("code"), m.group("dq"), m.group("curly"), m.group("sq")) if g)


def _claims(masked: str, quotes: list[re.Match[str]], cite_spans: list[tuple[int, int]],
            shown: str, files: tuple[str, ...] = ()) -> Iterator[tuple[str, str, tuple[int, int]]]:
    quoted: list[str] = []
    for m in quotes:
        inner = _quote_inner(m)
        scare = m.group("code") is None and len(inner.split()) == 1 and not _is_entity(_trim(inner), shown)
        if not scare and _checkable_quote(inner, files):  # a "spike" in quotes is emphasis, `spike` a quote
            quoted.append(_fold(inner))
            yield inner.strip(), "quote", m.span()
    free = _mask(masked, cite_spans)
    for m in _TOKEN.finditer(free):
        token = _trim(m.group())
        if token and _is_entity(token, shown) and not any(_fold(token) in q for q in quoted):
            yield token, "entity", (m.start(), m.start() + len(token))


def _checkable_quote(inner: str, files: tuple[str, ...] = ()) -> bool:
    text = inner.strip()
    if len(text) < 2 or text.strip("<*> .") == "" or is_citation(text, files):
        return False
    return not (text.isdigit() and len(text) < 3)


def _is_entity(token: str, shown: str) -> bool:
    if _IPV4.fullmatch(token):
        return True
    if _NOT_ENTITY.fullmatch(token):
        return False
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    separators = set(token) & set("_./:=@~+-")
    if not has_alpha:
        return False
    if "=" in token or "_" in token or "@" in token:
        return True
    if token.startswith("/") and len(token) > 2:
        return True
    if has_digit:
        return bool(separators) or len(token) >= 4
    if not separators:  # a thrown error's name is a claim; OpenSSH or MySQL only if the log says so
        if len(token) < 4 or _CAMEL.match(token) is None:
            return False
        return token.endswith(("Exception", "Error")) or _is_name(token, shown)
    if "/" in token:
        return token.count("/") >= 2
    if "." in token:
        return sum(len(part) >= 2 for part in token.split(".")) >= 2
    return _is_name(token, shown)  # order-export, host:db: a name only if the log uses it


@lru_cache(maxsize=4096)
def _is_name(token: str, shown: str) -> bool:
    """The log itself uses `token` as a word."""
    return bool(shown) and re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", shown, re.I) is not None


def _has_entity(haystack: str, entity: str) -> bool:
    if _occurs(haystack, entity):
        return True
    if "=" in entity:  # pool=checkout-db also matches pool: "checkout-db"
        key, _, value = entity.partition("=")
        return bool(key and value) and _occurs(haystack, key) and _occurs(haystack, value)
    return False


def _occurs(haystack: str, entity: str) -> bool:
    """A substring, but not part of a longer number: 10.4.2.1 is not in 10.4.2.17."""
    before = r"(?<!\d)" if entity[:1].isdigit() else ""
    after = r"(?!\d)" if entity[-1:].isdigit() else ""
    return re.search(before + re.escape(entity) + after, haystack) is not None


# ------------------------------------------------------------------------ small helpers
def _mask(text: str, spans: Sequence[tuple[int, int]], fill: str = " ") -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = fill * (b - a)
    return "".join(chars)


def _numbers_named(shown: str) -> set[int]:
    """Line numbers `shown` names: "N | line" rows and citations (a range up to 50 lines)."""
    numbers = {int(m.group(1)) for m in re.finditer(r"^\s*(\d+) \|", shown, re.M)}
    for ref in find_citations(shown):
        numbers.update(range(ref.start, min(ref.end, ref.start + 49) + 1))
    return numbers


def _file_numbers_named(shown: str, files: tuple[str, ...]) -> dict[str, set[int]]:
    """Each file's lines that `shown` names: "name:N | line" rows and citations of that file."""
    numbers: dict[str, set[int]] = {name: set() for name in files}
    names = "|".join(re.escape(n) for n in sorted(files, key=len, reverse=True))
    for m in re.finditer(rf"^\s*({names}):(\d+) \|", shown, re.M):
        numbers[m.group(1)].add(int(m.group(2)))
    for ref in find_citations(shown, files):
        if ref.file is not None:
            numbers[ref.file].update(range(ref.start, min(ref.end, ref.start + 49) + 1))
    return numbers


def _word(token: str) -> str:
    return token.strip(".,;:!?()[]{}\"'`*_“”‘’<>").casefold()


def _words(text: str) -> list[str]:
    return [w for w in map(_word, text.split()) if w]


def _grams(words: Sequence[str]) -> Iterator[tuple[str, ...]]:
    for i in range(len(words) - _PHRASE_WORDS + 1):
        gram = tuple(words[i:i + _PHRASE_WORDS])
        if "\0" not in gram:
            yield gram


def _trim(token: str) -> str:
    token = token.rstrip(".:,;/=-+~@")
    return token[:-2] if token.endswith(("'s", "’s")) else token


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(ref: Reference) -> str:
    if ref.file is not None:
        return f"{ref.file}:{ref.start}" if ref.start == ref.end else f"{ref.file}:{ref.start}-{ref.end}"
    return f"line {ref.start}" if ref.start == ref.end else f"lines {ref.start}-{ref.end}"
