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

- Variants and backups of all of these: a name judged after taking off backup endings (``~``, ``.bak``,
  ``.old``, ``.orig``, ``.backup``, ``.save``, ``.swp``, ``.tmp``, ``.txt``), and any name with an ``env``
  part (``.env~``, ``.env_local``, ``config.env.bak``, ``prod.env.txt``); tool credentials (a bare
  ``credentials`` file, ``.cargo/credentials.toml``, gh's ``hosts.yml``, ``terraform.tfvars``/``*.tfvars``,
  ``*.tfstate.backup``) and shell history (``.bash_history``, ``.zsh_history``, ``fish_history``, ...).
- By inode: a hard link to a refused file (another name of the same ``st_dev``/``st_ino`` inside the project)
  is refused with it (:class:`LinkGuard`).

Text is judged by :mod:`taskmaster_mcp.store.secrets`: a private key makes the whole file private; a secret
value (a provider key, a password in a URL or an assignment) is redacted where it stands and noted.

Readable under ``.taskmaster/``: ``docs/``, the user's own documents, written to be read (the PRD parse_prd
reads by default, research notes saved by ``research``), and ``templates/`` (Task Master's example PRD). The
secret rules above still apply inside them.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path, PurePosixPath

from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.store import secrets
from taskmaster_mcp.store.paths import TASKMASTER_DIR, Paths

ENV_REASON = "an environment file, which holds API keys"
KEY_REASON = "a private key or key store"
CREDENTIALS_REASON = "a credentials file (tokens, passwords or cloud keys)"
STORE_REASON = (
    "Task Master's internal state: tasks.json holds user metadata no model may see, and config, state, "
    "reports and locks are not context (only .taskmaster/docs/ and templates/ are sent)"
)
KEY_TEXT_REASON = "text holding a private key (a '-----BEGIN ... PRIVATE KEY' block)"
HISTORY_REASON = "a shell history file (commands typed with tokens and passwords in them)"


class Refused(InvalidInput):
    """A file the guard refuses (private by name, link or content): callers that gather context leave it out."""


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
        "credentials",
        "credentials.toml",
        "terraform.tfvars",
        "terraform.tfvars.json",
    }
)
_CREDENTIAL_SUFFIXES = (".tfstate", ".tfvars", ".tfvars.json")
_CREDENTIAL_IN_DIR = {"hosts.yml": "gh", "hosts.yaml": "gh", "config.json": ".docker", "config": ".kube"}
_BACKUP_ENDINGS = ("~", ".bak", ".old", ".orig", ".backup", ".save", ".swp", ".tmp", ".txt", ".copy")
_HISTORY_NAMES = frozenset({".history", "fish_history", ".lesshst", ".viminfo"})
_CREDENTIAL_DIRS = frozenset({".aws", ".docker", ".kube", ".azure"})
# Version-control internals: remote URLs in .git/config carry tokens, and nothing in them belongs in a prompt.
_VCS_DIRS = frozenset({".git", ".hg", ".svn"})
_READABLE_STORE_DIRS = frozenset({"docs", "templates"})
_LEGACY_STORE = frozenset({"tasks/tasks.json", ".taskmasterconfig"})
_SNIFF_BYTES = 8192
_LINK_WALK_LIMIT = 100_000
_LINK_WALK_SKIP = frozenset({"node_modules", "__pycache__", ".venv", "venv", "site-packages"})


def _unbacked(name: str) -> str:
    """``name`` without its backup endings (``.env.bak~`` is ``.env``), stopping before a bare ending."""
    while True:
        ending = next((e for e in _BACKUP_ENDINGS if name.endswith(e) and len(name) > len(e) + 1), None)
        if ending is None:
            return name
        name = name[: -len(ending)]


def why_private(rel: str) -> str | None:
    """Why a project-relative path must never reach a model (see the module docstring), or None if it may."""
    parts = [p.lower() for p in PurePosixPath(rel).parts if p not in ("", ".")]
    if not parts:
        return None
    original = parts[-1]
    name = _unbacked(original)
    parts[-1] = name
    return _why(parts, name, original)


def _why(parts: list[str], name: str, original: str) -> str | None:
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
    if name.startswith(".env") or "env" in original.split(".")[1:] or name.endswith(".env"):
        return ENV_REASON  # .env, .envrc, .env~, .env_local, config.env.bak, prod.env.txt
    if name.endswith(_KEY_SUFFIXES) or name in _SSH_KEYS or _KEY_DIRS.intersection(parts):
        return KEY_REASON
    if name == ".git" or _VCS_DIRS.intersection(parts):
        return CREDENTIALS_REASON
    if (
        name in _CREDENTIAL_NAMES
        or name.endswith(_CREDENTIAL_SUFFIXES)
        or _CREDENTIAL_DIRS.intersection(parts)
        or (len(parts) > 1 and _CREDENTIAL_IN_DIR.get(name) == parts[-2])
        or (
            name.endswith(".json")
            and (name.startswith("client_secret") or "service-account" in name or "service_account" in name)
        )
    ):
        return CREDENTIALS_REASON
    if name in _HISTORY_NAMES or (name.startswith(".") and name.endswith("_history")):
        return HISTORY_REASON
    return None


def private(rel: str, paths: Paths | None = None) -> bool:
    """Whether a project-relative path must never reach a model; with ``paths``, its tasks file counts too."""
    return why_private(rel) is not None or (paths is not None and rel == _tasks_file_rel(paths))


def holds_private_key(text: str) -> bool:
    """Whether ``text`` holds a private key (PEM, OpenSSH, PGP, PuTTY or JWK): a key under an innocent name."""
    return secrets.whole_file_reason(text) is not None


class LinkGuard:
    """Refuses a hard link to a private file: another name of the same inode inside the project that is private.

    Only files with more than one link are looked into; the project is walked once (lazily) for the inodes of
    its private files. A walk that cannot finish within its bound refuses every multiply-linked file: fail closed.
    """

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._refused: dict[tuple[int, int], str] | None = None

    def why(self, full: Path) -> str | None:
        """Why the file at ``full`` is private as another name of a private file, or None."""
        try:
            info = full.stat()
        except OSError:
            return None
        if info.st_nlink <= 1 or not stat.S_ISREG(info.st_mode):
            return None
        refused = self._walk()
        if refused is None:
            return "a hard link, and the project is too large to check the file's other names"
        other = refused.get((info.st_dev, info.st_ino))
        return None if other is None else f"a hard link to '{other}', which is {why_private(other) or STORE_REASON}"

    def _walk(self) -> dict[tuple[int, int], str] | None:
        if self._refused is not None:
            return self._refused
        root = self.paths.root
        refused: dict[tuple[int, int], str] = {}
        seen = 0
        for folder, dirs, files in os.walk(root):
            in_git = Path(folder).name == ".git"  # git's object store is large, and holds no named files
            dirs[:] = [d for d in dirs if d not in _LINK_WALK_SKIP and not (in_git and d == "objects")]
            seen += len(files) + len(dirs)
            if seen > _LINK_WALK_LIMIT:
                return None
            for name in files:
                full = Path(folder) / name
                rel = full.relative_to(root).as_posix()
                if not private(rel, self.paths):
                    continue
                try:
                    info = full.lstat()
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                    refused.setdefault((info.st_dev, info.st_ino), rel)
        self._refused = refused
        return refused


def why_refused(paths: Paths, rel: str, links: LinkGuard | None = None) -> str | None:
    """Why the project file ``rel`` is private by name, as a hard link, or by content (a private key in its first
    megabyte), or None; a file that does not exist is judged by name only."""
    reason = why_private(rel) or (STORE_REASON if rel == _tasks_file_rel(paths) else None)
    full = paths.root / rel
    if reason is not None or full.is_symlink() or not full.is_file():
        return reason
    reason = (links or LinkGuard(paths)).why(full)
    if reason is not None:
        return reason
    try:
        with full.open("rb") as handle:
            head = handle.read(1 << 20)
    except OSError:
        return None
    return secrets.whole_file_reason(head.decode("utf-8", errors="replace"))


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
            raise Refused(f"{what} '{candidate}'{via} is private, {reason}; it is never sent to a model. {fix}")
    linked = LinkGuard(paths).why(full)
    if linked is not None:
        raise Refused(f"{what} '{candidate}' is private, {linked}; it is never sent to a model. {fix}")
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
    cleaned = secrets.redact(text)
    if cleaned.whole is not None:
        raise Refused(
            f"{what} '{candidate}' is private, text holding a {cleaned.whole}; it is never sent to a model. {fix}"
        )
    if cleaned.kinds:
        rel = full.relative_to(paths.root.resolve()).as_posix()
        secrets.note(f"{rel}: redacted {cleaned.summary()}")
        text = cleaned.text
    if max_chars is not None and (not whole or len(text) > max_chars):
        text = text[:max_chars] + f"\n[cut: the first {max_chars} characters shown; the file is {size} bytes]"
    return text
