"""Mask secrets in log text before it leaves the machine.

Logs carry credentials: bearer tokens in access logs, passwords in JDBC URLs, API keys in
config dumps. Every value found is replaced by a numbered placeholder (`<SECRET_1>`, `<JWT_2>`),
the same value always by the same placeholder, so the model can still say "the token that
failed at line 12 is the one refused at line 40" without ever seeing it.

The rules are deliberately shape-based and anchored (a known key prefix, a `password=` key, a
`Bearer` scheme, a PEM marker): log identifiers such as HDFS block ids, UUIDs, hex request ids,
host names, paths and timestamps must come through byte for byte, because they are what the
model reasons about. Newlines are never added or removed, so line numbers stay valid.
"""

from __future__ import annotations

import ipaddress
import math
import re
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

# kind -> (placeholder label, singular, plural) for the summary line the CLI prints.
KINDS: dict[str, tuple[str, str, str]] = {
    "private_key": ("PRIVATE_KEY", "private key", "private keys"),
    "jwt": ("JWT", "JWT", "JWTs"),
    "api_key": ("API_KEY", "API key", "API keys"),
    "auth_header": ("TOKEN", "authorization header", "authorization headers"),
    "url_password": ("PASSWORD", "password in a URL", "passwords in URLs"),
    "secret": ("SECRET", "secret value", "secret values"),
    "email": ("EMAIL", "e-mail address", "e-mail addresses"),
    "ip": ("IP", "IP address", "IP addresses"),
}

PLACEHOLDER = re.compile(r"<(?:%s)_\d+>" % "|".join(label for label, _, _ in KINDS.values()))


@dataclass
class Redaction:
    """The masked text and, per kind, the number of occurrences masked (not distinct values)."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line for the user, e.g. "masked 3 API keys, 1 JWT"; "nothing masked" if none."""
        parts = []
        for kind, (_, singular, plural) in KINDS.items():
            n = self.counts.get(kind, 0)
            if n:
                parts.append(f"{n} {singular if n == 1 else plural}")
        return "masked " + ", ".join(parts) if parts else "nothing masked"


# --- the patterns, in the order they run -------------------------------------------------------

_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
# Body lines of a PEM block cut off before its END marker (a truncated log line).
_PEM_BODY_LINE = re.compile(r"(?:\r?\n|\\r?\\n)(?:[A-Za-z0-9+/=]{16,}|[A-Za-z-]+: [^\n\\]*)")

_JWT = re.compile(
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*(?![A-Za-z0-9_.-])"
)

_API_KEYS = re.compile(
    r"(?<![A-Za-z0-9_-])(?:"
    r"sk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,}"  # OpenAI, Anthropic
    r"|(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}"  # GitHub
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack token
    r"|(?<=hooks\.slack\.com/services/)T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}"  # Slack webhook
    r"|AIza[0-9A-Za-z_-]{35}"  # Google
    r"|(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"  # Stripe
    r"|glpat-[0-9A-Za-z_-]{20,}"  # GitLab
    r"|hf_[A-Za-z0-9]{30,}"  # Hugging Face
    r"|npm_[A-Za-z0-9]{36}"  # npm
    r")(?![A-Za-z0-9_-])"
)

_API_KEY_PREFIXES = (
    "sk-", "AKIA", "ASIA", "ABIA", "ACCA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
    "xox", "hooks.slack.com", "AIza", "sk_", "rk_", "glpat-", "hf_", "npm_",
)

_URL_PASSWORD = re.compile(r"(?<![\w+.-])([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'\"<>]+:)([^\s/@'\"<>]+)(@)")

# `Authorization: Bearer x`, `"Authorization": "Basic x"`, `Proxy-Authorization=Token x`.
_AUTH_HEADER = re.compile(
    r"(?i)((?<![\w-])(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:bearer|basic|token|apikey|key)\s+)?+)(?!digest\s)([^\s\"',;<>]+)"
)
_BEARER = re.compile(r"(?i)((?<![\w-])bearer\s+)([A-Za-z0-9._~+/=-]{8,})")

# Key names that hold secrets; the key must end with the secret word (`db_password`,
# `clientSecret`, `X-Api-Key`), so `token_count=3` or `keyId: 7` stay as they are.
_SECRET_KEY = re.compile(
    r"(?i)[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|secret|secret[_-]?key|token|api[_-]?key"
    r"|apikey|access[_-]?key|private[_-]?key|credentials?)|(?:[A-Za-z0-9_.-]*[_.-])?(?:pass|pwd)"
)
# Found by its last word and separator first (cheap), then the key is widened backwards.
# Both triggers run over an ASCII-lowercased copy (same length, same offsets): case-insensitive
# alternations are several times slower in `re`.
_KEY_TRIGGER = re.compile(r"(?:pass(?:w(?:or)?d|phrase)?|secret|token|key|credentials?|pwd)(\\?[\"']?([ \t]*)([:=])([ \t]*))")
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_VALUE = re.compile(r'(\\")((?:[^\\\n]|\\(?!"))*?)\\"|(["\'])((?:[^\\"\'\n]|\\.)*?)\3|([^\s"\'`,;&<>()\[\]{}\\]+)')
_WEAK_KEY = re.compile(r"(?i).*(?:token|pass)$")  # "invalid token: expired" is prose, not a secret

# A random-looking value right after a secret word without a separator: "token 3f9a...".
_SECRET_WORD_VALUE = re.compile(
    r"(?<![\w-])(?:api[ _-]?key|key|token|secret|password|passwd|credential)s?"
    r"(?:\s+(?:is|was|of))?\s+([a-z0-9+/_~.=-]{16,})(?![\w+/~=-])"
)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)")
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%[\w.]+)?(?![\w:.])"
)

_EMPTY_VALUES = {"null", "none", "nil", "undefined", "true", "false", "redacted", "[redacted]", "(null)"}
_IDENTIFIER = re.compile(
    r"[A-Za-z]+_-?\d+(?:_\d+)*"  # blk_-123, job_1445_0020, container_...
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUID
    r"|[\d.:/_-]+"  # numbers, dates, times, versions
)


def _is_value(value: str) -> bool:
    """False for empty, already-masked and obviously non-secret values (`password=null`)."""
    return bool(value) and value.lower() not in _EMPTY_VALUES and not PLACEHOLDER.fullmatch(value) \
        and set(value) - set("*xX#.") != set()


def _looks_random(value: str) -> bool:
    """A token rather than a word or an identifier: long, letters and digits, high entropy."""
    if len(value) < 16 or _IDENTIFIER.fullmatch(value) or PLACEHOLDER.search(value):
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.0


class Redactor:
    """Masks secrets, keeping placeholders consistent across every text it sees.

    One Redactor per conversation: the log and every later question share one numbering.
    """

    def __init__(self, *, emails: bool = False, ips: bool = False) -> None:
        self.emails = emails
        self.ips = ips
        self._placeholders: dict[str, str] = {}
        self._next: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()

    def redact(self, text: str) -> Redaction:
        """Counts in the result are occurrences masked in this text only."""
        self._counts = Counter()
        if not text:
            return Redaction(text, {})
        # Cheap substring checks skip the passes that cannot match (most logs have no secrets).
        lowered = text.lower()
        if "private key" in lowered:
            text = self._mask_pem(text)
        if "eyJ" in text:
            text = _JWT.sub(lambda m: self._mask("jwt", m.group(0)), text)
        if any(prefix in text for prefix in _API_KEY_PREFIXES):
            text = _API_KEYS.sub(lambda m: self._mask("api_key", m.group(0)), text)
        if "://" in text and "@" in text:
            text = _URL_PASSWORD.sub(self._group_masker("url_password", 2), text)
        if "authorization" in lowered:
            text = _AUTH_HEADER.sub(self._group_masker("auth_header", 2), text)
        if "bearer" in lowered:
            text = _BEARER.sub(self._group_masker("auth_header", 2), text)
        text = self._mask_key_values(text)
        text = self._mask_secret_words(text)
        if self.emails:
            text = _EMAIL.sub(lambda m: self._mask("email", m.group(0)), text)
        if self.ips:
            text = _IPV4.sub(lambda m: self._mask("ip", m.group(0)), text)
            text = _IPV6_CANDIDATE.sub(self._mask_ipv6, text)
        return Redaction(text, dict(self._counts))

    def _mask(self, kind: str, value: str) -> str:
        """The placeholder for `value`: the one it already has, or the next of its kind."""
        self._counts[kind] += 1
        placeholder = self._placeholders.get(value)
        if placeholder is None:
            label = KINDS[kind][0]
            self._next[label] += 1
            placeholder = f"<{label}_{self._next[label]}>"
            self._placeholders[value] = placeholder
        return placeholder

    def _group_masker(self, kind: str, group: int) -> Callable[[re.Match[str]], str]:
        """A re.sub callback masking one group and keeping the rest of the match."""

        def replace(m: re.Match[str]) -> str:
            value = m.group(group)
            if not _is_value(value):
                return m.group(0)
            start, end = m.span(group)
            whole = m.group(0)
            base = m.start(0)
            return whole[: start - base] + self._mask(kind, value) + whole[end - base :]

        return replace

    def _mask_key_values(self, text: str) -> str:
        """`password=x`, `"apiKey": "x"`, `secret: x`, `?token=x&`: mask the value only."""
        out: list[str] = []
        pos = 0
        for trigger in _KEY_TRIGGER.finditer(text.translate(_ASCII_LOWER)):
            if trigger.start() < pos:
                continue
            key_start = trigger.start()
            while key_start > pos and text[key_start - 1] in _KEY_CHARS:
                key_start -= 1
            key = text[key_start : trigger.start(1)]
            value = _VALUE.match(text, trigger.end())
            if value is None or not _SECRET_KEY.fullmatch(key):
                continue
            group = next(g for g in (2, 4, 5) if value.group(g) is not None)
            secret = value.group(group)
            if not _is_value(secret):
                continue
            quoted = group != 5
            op, spaced_before, spaced_after = trigger.group(3), trigger.group(2), trigger.group(4)
            if op == "=" and spaced_after and not spaced_before:  # "password= set to empty"
                continue
            if op == ":" and not quoted and _WEAK_KEY.match(key) and not _looks_random(secret):
                continue
            out.append(text[pos : value.start(group)])
            out.append(self._mask("secret", secret))
            pos = value.end(group)
        out.append(text[pos:])
        return "".join(out)

    def _mask_secret_words(self, text: str) -> str:
        out: list[str] = []
        pos = 0
        for m in _SECRET_WORD_VALUE.finditer(text.translate(_ASCII_LOWER)):
            secret = text[m.start(1) : m.end(1)]
            if _looks_random(secret):
                out.append(text[pos : m.start(1)])
                out.append(self._mask("secret", secret))
                pos = m.end(1)
        out.append(text[pos:])
        return "".join(out)

    def _mask_pem(self, text: str) -> str:
        """Replace PEM private key bodies, keeping the markers and every newline."""
        out: list[str] = []
        pos = 0
        while (begin := _PEM_BEGIN.search(text, pos)) is not None:
            end_marker = f"-----END {begin.group(1)}-----"
            end = text.find(end_marker, begin.end())
            if end >= 0:
                body_end = end
            else:  # cut off: the body runs over the base64 lines that follow
                body_end = begin.end()
                while (line := _PEM_BODY_LINE.match(text, body_end)) is not None:
                    body_end = line.end()
            body = text[begin.end() : body_end]
            out.append(text[pos : begin.end()])
            out.append(self._pem_body(body) if body.strip() else body)
            pos = body_end
        out.append(text[pos:])
        return "".join(out)

    def _pem_body(self, body: str) -> str:
        placeholder = self._mask("private_key", body.strip())
        newlines = body.count("\n")
        if newlines:
            nl = "\r\n" if "\r\n" in body else "\n"
            return nl + placeholder + nl * (newlines - 1)
        sep = "\\n" if "\\n" in body else ""
        return sep + placeholder + (sep if body.endswith(sep) and sep else "")

    def _mask_ipv6(self, m: re.Match[str]) -> str:
        candidate = m.group(0)
        try:
            ipaddress.IPv6Address(candidate.split("%", 1)[0])
        except ValueError:
            return candidate
        if "::" not in candidate and candidate.count(":") != 7 and "." not in candidate:
            return candidate
        return self._mask("ip", candidate)


def redact(text: str, *, emails: bool = False, ips: bool = False) -> Redaction:
    """Mask the secrets in one text; use a `Redactor` to share placeholders across texts."""
    return Redactor(emails=emails, ips=ips).redact(text)
