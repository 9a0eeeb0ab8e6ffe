"""Which project files may reach a model: the one guard for every path a tool reads into a prompt.

A tool that sends a named file to a model reads it with :func:`read_for_prompt` (parse_prd's ``input``,
research's ``filePaths``); a path that only narrows what is read is checked with :func:`check_for_prompt`
(review's ``paths``); text gathered another way, such as a git diff, is filtered per file with :func:`private`
(by name) and :func:`holds_private_key` (by content). New tools use the same three, so the tools never disagree.

Judged are both the path as given and the file it resolves to, so a link called ``notes.txt`` that points at
``.env`` is refused, and so is a link called ``.env`` whatever it points at. A path that resolves outside the
project is refused. Names are compared case-insensitively (``.ENV`` is ``.env`` on macOS and Windows). Refused:

- Environment files: ``.env``, ``.env.*``, ``*.env`` and ``.envrc``; they hold API keys. ``.env.example`` (and
  ``.sample``, ``.template``) is refused too. By convention it holds only variable names, but it is the file
  people paste real keys into by mistake, nothing on disk tells the two apart, and a leaked key costs far more
  than a refusal. The refusal says to pass the variable names as text instead.
- Private keys and key stores: ``*.pem``, ``*.key``, ``*.p12``, ``*.pfx``, ``*.jks``, ``*.keystore``, ``*.ppk``,
  ``*.kdbx``; the ssh key names ``id_rsa``, ``id_dsa``, ``id_ecdsa``, ``id_ed25519`` (and ``_sk`` forms) and
  ``identity``; everything in ``.ssh/`` and ``.gnupg/``. Certificates in ``.pem`` files are refused with the keys:
  the name cannot tell them apart. Text holding a PEM, OpenSSH or PGP private-key block is refused whatever its
  name; that also catches service-account JSON, whose ``private_key`` is such a block.
- Credential files: ``.npmrc``, ``.yarnrc.yml``, ``.pypirc``, ``.netrc``, ``_netrc``, ``.git-credentials``,
  ``.pgpass``, ``.my.cnf``, ``.htpasswd``, ``credentials.json``, ``application_default_credentials.json``,
  ``client_secret*.json``, ``*service-account*.json``, ``*service_account*.json``, ``secrets.json``/``.yml``/
  ``.yaml``/``.toml``, ``*.tfstate`` (Terraform state stores secrets in plain text); everything in ``.aws/``,
  ``.docker/``, ``.kube/`` and ``.azure/``.
- Task Master's internals: ``.taskmaster/`` except ``docs/`` and ``templates/``, the tasks file in use (it may
  be a custom ``file``), and the legacy ``tasks/tasks.json`` and ``.taskmasterconfig``. tasks.json holds user
  ``metadata`` that no model may see (tasks reach a prompt through ``taskIds``, rendered without it); config,
  state, reports and lock files are machine state, not context.

Readable under ``.taskmaster/``: ``docs/``, the user's own documents, written to be read (the PRD parse_prd
reads by default, research notes saved by ``research``), and ``templates/`` (Task Master's example PRD). The
secret rules above still apply inside them.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path, PurePosixPath

from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.store.paths import TASKMASTER_DIR, Paths

ENV_REASON = "an environment file, which holds API keys"
KEY_REASON = "a private key or key store"
CREDENTIALS_REASON = "a credentials file (tokens, passwords or cloud keys)"
STORE_REASON = (
    "Task Master's internal state: tasks.json holds user metadata no model may see, and config, state, "
    "reports and locks are not context (only .taskmaster/docs/ and templates/ are sent)"
)
KEY_TEXT_REASON = "text holding a private key (a '-----BEGIN ... PRIVATE KEY' block)"

_ENV_EXAMPLES = frozenset({".env.example", ".env.sample", ".env.template"})
_KEY_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".kdbx")
_SSH_KEYS = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "identity"})
_KEY_DIRS = frozenset({".ssh", ".gnupg"})
_CREDENTIAL_NAMES = frozenset(
    {
        ".npmrc",
        ".yarnrc.yml",
        ".pypirc",
        ".netrc",
        "_netrc",
        ".git-credentials",
        ".pgpass",
        ".my.cnf",
        ".htpasswd",
        "credentials.json",
        "application_default_credentials.json",
        "secrets.json",
        "secrets.yml",
        "secrets.yaml",
        "secrets.toml",
    }
)
_CREDENTIAL_DIRS = frozenset({".aws", ".docker", ".kube", ".azure"})
# Version-control internals: remote URLs in .git/config carry tokens, and nothing in them belongs in a prompt.
_VCS_DIRS = frozenset({".git", ".hg", ".svn"})
_READABLE_STORE_DIRS = frozenset({"docs", "templates"})
_LEGACY_STORE = frozenset({"tasks/tasks.json", ".taskmasterconfig"})
# built from two parts so that this module's own source does not look like a key to the rule it defines
_KEY_BLOCK = re.compile("-----BEGIN " + r"(?:[A-Z0-9]+ )*PRIVATE KEY")
_SNIFF_BYTES = 8192


def why_private(rel: str) -> str | None:
    """Why a project-relative path must never reach a model (see the module docstring), or None if it may."""
    parts = [p.lower() for p in PurePosixPath(rel).parts if p not in ("", ".")]
    if not parts:
        return None
    name = parts[-1]
    if TASKMASTER_DIR in parts:
        inner = parts[parts.index(TASKMASTER_DIR) + 1 :]
        if not inner or inner[0] not in _READABLE_STORE_DIRS:
            return STORE_REASON
    if "/".join(parts) in _LEGACY_STORE or name == ".taskmasterconfig":
        return STORE_REASON
    if name in _ENV_EXAMPLES:
        return (
            ENV_REASON + f" ({name} is refused too: real keys end up in it by mistake, and nothing tells the "
            "two apart; pass the variable names you need as text)"
        )
    if name in (".env", ".envrc") or name.startswith(".env.") or name.endswith(".env"):
        return ENV_REASON
    if name.endswith(_KEY_SUFFIXES) or name in _SSH_KEYS or _KEY_DIRS.intersection(parts):
        return KEY_REASON
    if name == ".git" or _VCS_DIRS.intersection(parts):
        return CREDENTIALS_REASON
    if (
        name in _CREDENTIAL_NAMES
        or name.endswith(".tfstate")
        or _CREDENTIAL_DIRS.intersection(parts)
        or (
            name.endswith(".json")
            and (name.startswith("client_secret") or "service-account" in name or "service_account" in name)
        )
    ):
        return CREDENTIALS_REASON
    return None


def private(rel: str, paths: Paths | None = None) -> bool:
    """Whether a project-relative path must never reach a model; with ``paths``, its tasks file counts too."""
    return why_private(rel) is not None or (paths is not None and rel == _tasks_file_rel(paths))


def holds_private_key(text: str) -> bool:
    """Whether ``text`` contains a PEM, OpenSSH or PGP private-key block (a key under an innocent name)."""
    return _KEY_BLOCK.search(text) is not None


def _tasks_file_rel(paths: Paths) -> str | None:
    root = paths.root.resolve()
    tasks = paths.tasks_file.resolve()
    return tasks.relative_to(root).as_posix() if root in tasks.parents else None


def _lexical_rel(paths: Paths, raw: Path) -> str | None:
    # the path as the caller named it, `..` folded but links not followed, relative to the root when it is inside
    full = Path(os.path.normpath(raw if raw.is_absolute() else paths.root / raw))
    for root in (paths.root, paths.root.resolve()):
        if full == root or root in full.parents:
            return full.relative_to(root).as_posix()
    return None


def check_for_prompt(paths: Paths, candidate: str | Path, *, what: str, fix: str) -> Path:
    """The resolved path of ``candidate`` if it may reach a model; else InvalidInput naming the file, why, and
    ``fix`` (what to pass instead). Symlinks are followed: the name given and the target are both judged.

    The path need not exist (review narrows a diff to deleted files too); :func:`read_for_prompt` reads one.
    """
    try:
        full = paths.inside(candidate, what=what)  # the one confinement rule, links resolved
    except InvalidInput as exc:
        raise InvalidInput(f"{exc} Only files inside the project are sent to a model. {fix}") from None
    raw = Path(candidate).expanduser()
    rel = full.relative_to(paths.root.resolve()).as_posix()
    given = _lexical_rel(paths, raw)
    for judged in dict.fromkeys([given or rel, rel]):
        reason = why_private(judged) or (STORE_REASON if judged == _tasks_file_rel(paths) else None)
        if reason is not None:
            via = f" (it resolves to '{rel}')" if judged == rel and given not in (None, rel) else ""
            raise InvalidInput(f"{what} '{candidate}'{via} is private, {reason}; it is never sent to a model. {fix}")
    return full


def read_for_prompt(paths: Paths, candidate: str | Path, *, what: str, fix: str, max_chars: int | None = None) -> str:
    """The text of a project file that may reach a model (see :func:`check_for_prompt`), else a refusal.

    Refused besides private paths: a missing or non-regular file, binary content, text that is not UTF-8 and text
    holding a private key. With ``max_chars`` at most that many characters are read and returned, followed by a
    note saying the file was cut.
    """
    full = check_for_prompt(paths, candidate, what=what, fix=fix)
    if not full.is_file():
        raise NotFound(
            f"{what} '{candidate}' is not a file in the project (paths are taken from the project root "
            f"{paths.root}). {fix}"
        )
    limit = -1 if max_chars is None else max_chars * 4 + 4  # UTF-8 needs at most 4 bytes a character
    # O_NOFOLLOW: the name was judged after resolving links; a link put in its place since is not followed
    try:
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise NotFound(f"{what} '{candidate}' is not a regular file. {fix}")
            size = info.st_size
            data = handle.read(limit)
    except OSError as exc:
        raise InvalidInput(f"{what} '{candidate}' could not be read ({exc.strerror}). {fix}") from None
    whole = max_chars is None or len(data) >= size
    if b"\0" in data[:_SNIFF_BYTES]:
        raise InvalidInput(f"{what} '{candidate}' is a binary file ({size} bytes); only text is sent to a model. {fix}")
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=whole)
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{what} '{candidate}' is not UTF-8 text. Save it as UTF-8 text or Markdown. {fix}"
        ) from None
    if holds_private_key(text):
        raise InvalidInput(f"{what} '{candidate}' is private, {KEY_TEXT_REASON}; it is never sent to a model. {fix}")
    if max_chars is not None and (not whole or len(text) > max_chars):
        text = text[:max_chars] + f"\n[cut: the first {max_chars} characters shown; the file is {size} bytes]"
    return text
