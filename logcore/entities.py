"""The names a log line mentions (a job, host, port, path, volume, pool, request id), for linking
a cause to the errors that follow it.

A cause and its consequences rarely share wording ("job order-export started" vs "connection
leak on thread order-export-3") but they share the *thing* they talk about. Such names look
alike in every layout: tokens that mix letters with digits, dashes, dots, slashes or
underscores, the values of `key=value` pairs, and bracketed components. Plain words, numbers
and timestamps are not names. A name with a trailing instance number ("order-export-3",
"worker_12") also stands for its family ("order-export", "worker"), so workers and shards of
one thing link up; a path also stands for its first directories ("/data/pg_wal/x.log" names
"/data" and "/data/pg_wal"), so errors on one volume link up.
"""

from __future__ import annotations

import re

_MAX_CHARS = 2000  # the head of a line names its subjects; a 50 MB line costs no more than this
_SPLIT = re.compile(r"[\s,;()\[\]{}<>\"'`|]+")
_KEY_VALUE = re.compile(r"^[A-Za-z_][\w.\-]{0,40}[=:](.+)$")
_CANDIDATE = re.compile(r"[\d\-./_:@#=]")
_NAME_PUNCT = re.compile(r"[\d\-./_:@#]")
_LETTER = re.compile(r"[A-Za-z]")
_TIME_LIKE = re.compile(r"^[\d\-:./TZ+,]+(?:[ap]m|ms|us|ns|s|m|h|d)?$", re.IGNORECASE)
_NUMBER_UNIT = re.compile(r"^[\d.,]+(?:[a-z%]{1,3}|[kmgt]i?b)$", re.IGNORECASE)
_DATE_WORDS = re.compile(r"\d{1,4}[-/ ](?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*[-/ ]\d{2,4}",
                         re.IGNORECASE)
_HEX_ID = re.compile(r"^(?=[^g-z]*\d)[0-9a-f]{7,}$", re.IGNORECASE)
_INSTANCE = re.compile(r"[-_#:.]\d+$")
_EDGE = ".:,=/-_#@"


def entities(text: str) -> set[str]:
    """The names in `text`, lower-cased, each with its family name where it ends in a number."""
    out: set[str] = set()
    for token in _SPLIT.split(text[:_MAX_CHARS]):
        if len(token) < 3 or _CANDIDATE.search(token) is None:  # most tokens are plain words
            continue
        value = _KEY_VALUE.match(token)
        if value is not None:
            token = value.group(1)
        if token.startswith("/") and len(token) > 1:  # a path names its mount and directory too
            path = token.rstrip(_EDGE)
            segments = path.split("/")
            for depth in range(2, min(len(segments), 4)):
                _add(out, "/".join(segments[:depth]))
            _add(out, path)
            continue
        _add(out, token.strip(_EDGE))
        if "://" in token or token.count("/") > 1:  # a URL or relative path also names its host and parts
            for part in re.split(r"/+|:(?=\d)", token):
                _add(out, part.strip(_EDGE))
    return out


def _add(out: set[str], token: str) -> None:
    if not _is_name(token):
        return
    name = token.lower()
    out.add(name)
    number = _INSTANCE.search(name)
    if number is not None and number.start() > 0:
        base = name[:number.start()].rstrip(_EDGE)
        if _is_name(base):
            out.add(base)


def _is_name(token: str) -> bool:
    if not 3 <= len(token) <= 80 or _NAME_PUNCT.search(token) is None or _LETTER.search(token) is None:
        return False
    return not (_TIME_LIKE.match(token) or _NUMBER_UNIT.match(token) or _HEX_ID.match(token)
                or _DATE_WORDS.match(token))
