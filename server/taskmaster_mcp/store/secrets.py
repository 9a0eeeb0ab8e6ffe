"""Secret values recognised by what they are: one table of patterns, one combined regex, one pass over the text.

:mod:`taskmaster_mcp.store.private` judges files by name and inode; this module judges text. Every path into a
prompt runs text through :func:`redact` (or :func:`whole_file_reason` first, for text that is refused whole):

- a **private key** (PEM, OpenSSH or PGP block, a PuTTY key file, a JWK with its private ``"d"`` member) makes
  the whole text secret: a file holding one is refused or left out, never cut down;
- any other **secret value** is replaced in place by ``[redacted: <kind>]`` (e.g. ``[redacted: github token]``)
  and the caller's result says what was redacted (:func:`note`, read back by the AI tools' ``usage.secrets``).

Recognised values are listed in :data:`PATTERNS`: provider keys (Anthropic, OpenAI, Google, GitHub, AWS, Slack,
Stripe, npm, PyPI), passwords in URLs (``https://user:password@host``) and assignments whose name says secret
(``API_KEY=…``, ``db_password: …``, ``"client_secret": "…"``). Ordinary code is left alone: a value that is a
placeholder (empty, ``<your-key>``, ``${TOKEN}``, ``changeme``, ``xxxx``), a code expression (``os.environ[...]``,
``get_token()``, ``self.api_key``), a plain word or a number (``max_token = 4096``) is not a secret.

The combined regex starts each alternative on a literal (a key prefix, ``://``, or the word ``key``/``token``/
``secret``/``password`` for assignments), so a 10 MB diff is scanned in one pass; ``tests/bench/bench_secrets.py``
measures it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pattern:
    """One kind of secret: its name, its regex (``(?P<v>...)`` marks the part to redact, else the whole match) and
    whether it makes the whole text secret (a private key)."""

    kind: str
    regex: str
    whole: bool = False


_B = r"(?<![A-Za-z0-9_-])"  # not inside a longer word
# Written in two parts where the literal would itself look like a key to this very table.
PATTERNS: tuple[Pattern, ...] = (
    Pattern("private key", "-----BEGIN " + r"(?:[A-Z0-9]+ )*PRIVATE KEY", whole=True),
    Pattern("putty private key", "PuTTY-User-" + r"Key-File-\d+:", whole=True),
    Pattern("jwk private key", r'"d"\s*:\s*"[A-Za-z0-9_-]{20,}={0,2}"', whole=True),
    Pattern("anthropic key", _B + "sk-" + r"ant-[A-Za-z0-9_-]{20,}"),
    # bare "sk-" needs a digit or a capital in the key, so kebab-case words ("sk-learn-...") are not keys
    Pattern(
        "openai key",
        _B + "sk-" + r"(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|(?=[a-z_-]*[0-9A-Z])[A-Za-z0-9_-]{20,})",
    ),
    Pattern("google api key", _B + "AI" + r"za[0-9A-Za-z_-]{35}"),
    Pattern("github token", _B + r"(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
    Pattern("aws access key id", _B + r"(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])"),
    Pattern("slack token", _B + r"xox[abpr]-[A-Za-z0-9-]{10,}"),
    Pattern("stripe key", _B + r"(?:sk|rk)_live_[A-Za-z0-9]{16,}"),
    Pattern("npm token", _B + r"npm_[A-Za-z0-9]{36}"),
    Pattern("pypi token", _B + r"pypi-[A-Za-z0-9_-]{32,}"),
    Pattern("jwt", _B + r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    Pattern("bearer token", r"(?i:bearer)[ \t]+(?P<v>[A-Za-z0-9._~+/-]{20,}=*)"),
    Pattern("url password", r"://(?P<v>[^\s/@:'\"<>]+:[^\s/@'\"<>]+)@(?=[A-Za-z0-9\[])"),
    Pattern("url token", r"://(?P<v>(?=[A-Za-z_.~-]*\d)[A-Za-z0-9_.~-]{20,})@(?=[A-Za-z0-9\[])"),
    # name=value / name: value / "name": "value"; the name before the keyword is judged in _assignment_kind
    Pattern(
        "secret value",
        r"(?i:(?:key|token|secret|passw(?:or)?d|pwd))[\"']?[ \t]*(?::=|=>?|:)[ \t]*"
        r"(?P<q>[\"'`]?)(?P<v>[^\s\"'`,;]{4,})",
    ),
)

_NAME_TAIL = re.compile(r"[A-Za-z0-9_.-]*$")
_PLAIN_WORD = re.compile(r"[A-Za-z_][A-Za-z_-]*")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")  # self.api_key, config.token: an attribute
_CAMEL = re.compile(r"[A-Za-z][a-z]+[A-Z]\w*|[A-Z][a-z]+")  # userToken, TokenType, Token: a name or a type
_PLACEHOLDER_WORDS = ("your", "placeholder", "changeme", "change_me", "change-me", "dummy", "redacted", "xxxx", "****")
# placeholders only in a value without a digit: "example-token" is one, AWS's documented "...EXAMPLEKEY" key is not
_WORDY_PLACEHOLDERS = ("example", "sample", "replace", "todo", "fake", "here")
_NOT_SECRET_VALUES = frozenset(
    {"none", "null", "nil", "true", "false", "undefined", "required", "optional"}
    | {"str", "string", "bytes", "number", "boolean", "bool", "int", "integer", "any", "object", "secretstr"}
)
_CODE_CHARS = frozenset("()[]{}<>$%")
# a name ending in "key" is secret in env style (API_KEY, STRIPE_SECRET_KEY) or with one of these words before it
_SECRET_KEY_NAME = re.compile(
    r"(?:api|secret|private|access|auth|client|signing|master|encryption|license|service|account|app)[_-]?key$"
)


def _compile() -> re.Pattern[str]:
    parts: list[str] = []
    for i, pattern in enumerate(PATTERNS):
        body = pattern.regex.replace("(?P<v>", f"(?P<v{i}>").replace("(?P<q>", f"(?P<q{i}>")
        parts.append(f"(?P<g{i}>{body})")
    return re.compile("|".join(parts))


_SCANNER = _compile()


@dataclass(frozen=True)
class Finding:
    """One secret found in a text: its kind, the span to redact, and whether the whole text is secret."""

    kind: str
    start: int
    end: int
    whole: bool


def _assignment_kind(text: str, start: int, keyword_end: int, value: str, quoted: bool, spaced: bool) -> str | None:
    """The kind of secret a ``name = value`` match is (a secret-sounding name holding a literal, not a
    placeholder or code): ``password``, ``aws secret key``, ``secret value``; else None."""
    tail = _NAME_TAIL.search(text, max(0, start - 80), start)
    given = (tail.group(0) if tail else "") + text[start:keyword_end]
    full = given.lower().lstrip(".-_")
    if full.endswith("key") and not (re.search(r"[_-]KEY$", given) or _SECRET_KEY_NAME.search(full)):
        return None  # sort_key, cache_key, monkey, public_key: not secrets
    low = value.lower().rstrip(")]}")
    if low in _NOT_SECRET_VALUES or any(word in low for word in _PLACEHOLDER_WORDS):
        return None
    if not any(c.isdigit() for c in low) and any(word in low for word in _WORDY_PLACEHOLDERS):
        return None
    if _CODE_CHARS.intersection(value) or len(set(low)) <= 2 or value.isdigit():
        return None  # an expression, a template, a repeated character or a number
    if not quoted and (_DOTTED.fullmatch(value) or _CAMEL.fullmatch(value)):
        return None  # an attribute (self.api_key), a camelCase name or a type (token: TokenType): code
    if not quoted and spaced and _PLAIN_WORD.fullmatch(value):
        return None  # token = user_token: code assigns a name; NAME=word and name: word (env, YAML) are values
    if low == full.split(".")[-1]:
        return None  # "password": "password" (a form label)
    if "aws" in full and "secret" in full:
        return "aws secret key"
    return "password" if "pass" in full or full.endswith("pwd") else "secret value"


_HAS_VALUE = tuple("(?P<v>" in pattern.regex for pattern in PATTERNS)
_ASSIGNMENT = len(PATTERNS) - 1
_KEYWORD = re.compile(r"[A-Za-z]+")
_SPACED_EQUALS = re.compile(r"[ \t](?::=|=)")


# Where a match can start: every pattern's match begins with one of these literals (lower-cased; "k_live_" is one
# character into "sk_live_"). Each is found with bytes.find on the lower-cased text (one byte a character, so
# offsets stay those of the text), and only at those places is the table's regex tried.
_ANCHORS: tuple[tuple[bytes, int], ...] = (
    *((word, 0) for word in (b"-----begin", b"putty-user", b'"d"', b"sk-", b"aiza", b"gh", b"akia", b"asia")),
    *(
        (word, 0)
        for word in (
            b"xox",
            b"npm_",
            b"pypi-",
            b"eyj",
            b"bearer",
            b"://",
            b"key",
            b"token",
            b"secret",
            b"passw",
            b"pwd",
        )
    ),
    (b"github_pat_", 0),
    (b"k_live_", -1),
)
_WHOLE_ANCHORS = 3  # the first three anchors start a private key: tried even inside another match


def _starts(low: bytes, anchors: int = len(_ANCHORS)) -> list[tuple[int, bool]]:
    found: dict[int, bool] = {}
    for number, (word, shift) in enumerate(_ANCHORS[:anchors]):
        at = low.find(word)
        while at != -1:
            found[at + shift] = found.get(at + shift, False) or number < _WHOLE_ANCHORS
            at = low.find(word, at + 1)
    return sorted(found.items())


def scan(text: str, keys_only: bool = False) -> Iterator[Finding]:
    """Every secret in ``text``, in order: the table's regex tried where an anchor literal is (``keys_only``: only
    where a private key can start, a quicker pass for :func:`whole_file_reason`)."""
    done = 0
    anchors = _WHOLE_ANCHORS if keys_only else len(_ANCHORS)
    for start, key_start in _starts(text.encode("latin-1", "replace").lower(), anchors):
        if start < done and not key_start:  # a key inside a value ("private_key": "-----BEGIN ...") still counts
            continue
        match = _SCANNER.match(text, start)
        found = _finding(text, match) if match is not None else None
        if match is not None and found is not None:
            done = match.end()
            yield found


def _finding(text: str, match: re.Match[str]) -> Finding | None:
    """The secret a match of the table is, or None when it is not one (a placeholder, code, a template)."""
    index = int((match.lastgroup or "g0")[1:])
    pattern = PATTERNS[index]
    start, end = match.span()
    value = match.group(f"v{index}") if _HAS_VALUE[index] else None
    if value is not None:
        start, end = match.span(f"v{index}")
    if index == _ASSIGNMENT:
        assert value is not None
        keyword = _KEYWORD.match(match.group(0))
        keyword_end = match.start() + (len(keyword.group(0)) if keyword else 0)
        quoted = bool(match.group(f"q{index}"))
        spaced = _SPACED_EQUALS.search(match.group(0)) is not None
        kind = _assignment_kind(text, match.start(), keyword_end, value, quoted, spaced)
        if kind is None:
            return None
        inner = next(scan(value), None)  # API_KEY=sk-...: name the provider, not just "secret value"
        return Finding(inner.kind if inner else kind, start, end, False)
    if value is not None and (_CODE_CHARS.intersection(value) or "your" in value.lower()):
        return None  # https://${USER}:${TOKEN}@host, https://<user>:<password>@host: a template
    return Finding(pattern.kind, start, end, pattern.whole)


def whole_file_reason(text: str) -> str | None:
    """Why ``text`` is secret as a whole (it holds a private key), or None."""
    for found in scan(text, keys_only=True):
        if found.whole:
            return f"text holding a {found.kind}"
    return None


@dataclass
class Redacted:
    """Text with its secret values replaced, what kinds were replaced (in order, with counts) and whether the
    whole text is secret (``whole``: the kind of private key found; the text then must not be sent at all)."""

    text: str
    kinds: Counter[str] = field(default_factory=lambda: Counter[str]())
    whole: str | None = None

    def summary(self) -> str:
        """``2 github token, 1 url password``."""
        return ", ".join(f"{n} {kind}" for kind, n in self.kinds.items())


def redact(text: str) -> Redacted:
    """``text`` with every secret value replaced by ``[redacted: <kind>]``; ``whole`` set for a private key."""
    out: list[str] = []
    kinds: Counter[str] = Counter()
    at = 0
    for found in scan(text):
        if found.whole:
            return Redacted(text="", kinds=Counter({found.kind: 1}), whole=found.kind)
        if found.start < at:
            continue
        out += [text[at : found.start], f"[redacted: {found.kind}]"]
        kinds[found.kind] += 1
        at = found.end
    if not kinds:
        return Redacted(text)
    out.append(text[at:])
    return Redacted("".join(out), kinds)


_BLOCK_END = re.compile(r"-----END [^\n]*|\n\s*\n|\Z")


def guard_prompt(text: str, source: str = "prompt") -> str:
    """The last net before a model: ``text`` with every secret redacted, a private key included (from its first
    line to its ``-----END`` line or the next blank line), noting what was replaced under ``source``."""
    out: list[str] = []
    kinds: Counter[str] = Counter()
    at = 0
    last = ""
    for found in scan(text):
        if found.start < at and not found.whole:
            continue
        end = found.end
        if found.whole:
            block = _BLOCK_END.search(text, found.end)
            end = block.end() if block is not None else len(text)
        if found.start < at:  # a key inside a value just redacted ("private_key": "-----BEGIN ..."): widen it
            out.pop()
            kinds[last] -= 1
        else:
            out.append(text[at : found.start])
        out.append(f"[redacted: {found.kind}]")
        kinds[found.kind] += 1
        at, last = max(at, end), found.kind
    kinds = +kinds  # drop the widened ones
    if not kinds:
        return text
    out.append(text[at:])
    note(f"{source}: redacted {Redacted('', kinds).summary()}")
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """``url`` with any ``user:password@`` replaced (for showing a configured base URL)."""
    return redact_urls(url) if url is not None else None


_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^\s/@'\"<>]+@")


def redact_urls(text: str) -> str:
    """``text`` with the credentials of every URL (``scheme://user:password@`` or ``scheme://token@``) replaced."""
    return _URL_USERINFO.sub(lambda m: m.group("scheme") + "[redacted]@", text)


# What the guard left out or redacted during one tool call, for its result (see :func:`begin_notes`).
_NOTES: ContextVar[list[str] | None] = ContextVar("taskmaster_secret_notes", default=None)


def begin_notes() -> None:
    """Start collecting guard notes for the current tool call (each MCP request runs in its own context)."""
    _NOTES.set([])


def note(message: str) -> None:
    """Record what the guard did (``requirements.txt: redacted 1 url password``); kept once per call."""
    notes = _NOTES.get()
    if notes is not None and message not in notes:
        notes.append(message)


def notes() -> list[str]:
    """The guard notes of the current tool call, in order."""
    return list(_NOTES.get() or [])
