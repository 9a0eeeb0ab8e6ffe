"""The secret guard's table, pattern by pattern: each kind is found by content and redacted where it stands, names
and their variants are refused, and ordinary code is left alone (the false positives are pinned too).

Fake secrets are built from parts, so this file does not itself look like a leak to a scanner.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.store import secrets
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.private import LinkGuard, Refused, read_for_prompt, why_private, why_refused

A36 = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3gH5"
# (kind, a line holding the secret, the secret value that must disappear)
SECRET_LINES: list[tuple[str, str, str]] = [
    ("anthropic key", "key = '{}'", "sk-" + "ant-api03-" + A36),
    ("openai key", "OPENAI = {}", "sk-" + "proj-" + A36),
    ("openai key", "client = OpenAI(api_key='{}')", "sk-" + A36),
    ("google api key", "maps: {}", "AI" + "za" + "Sy" + A36[:33]),
    ("github token", "export GH={}", "gh" + "p_" + A36),
    ("github token", "remote token {}", "gh" + "s_" + A36),
    ("github token", "pat={}", "github" + "_pat_" + "11ABCDEFG0" + A36),
    ("aws access key id", "aws_access_key_id = {}", "AK" + "IA" + "IOSFODNN7QWERTY1"),
    ("aws access key id", "session {}", "AS" + "IA" + "IOSFODNN7QWERTY2"),
    ("aws access key id", "documented {}", "AK" + "IA" + "IOSFODNN7EXAMPLE"),
    ("aws secret key", "aws_secret_access_key = {}", "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"),
    ("openai key", "OPENAI_API_KEY={}", "sk-" + "proj-" + "FAKEFAKEFAKEFAKEFAKEFAKE"),
    ("openai key", "key {}", "sk-" + "AbCdEfGhIjKlMnOpQrStUvWx"),
    ("aws secret key", "aws_secret_access_key = {}", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "Q1w2e3r4t5"),
    ("slack token", "SLACK={}", "xo" + "xb-" + "1234567890-abcdefghij"),
    ("stripe key", "stripe.api = '{}'", "sk" + "_live_" + A36[:24]),
    ("stripe key", "restricted {}", "rk" + "_live_" + A36[:24]),
    ("npm token", "//registry.npmjs.org/:_authToken={}", "np" + "m_" + A36),
    ("pypi token", "password = {}", "pyp" + "i-" + "AgEIcHlwaS5vcmc" + A36),
    ("jwt", "Cookie: session={}", "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N"),
    ("bearer token", "curl -H 'Authorization: Bearer {}' h", "a1b2c3d4e5f6" + "g7h8i9j0k1l2"),
    ("url password", "--index-url https://{}@pypi.example.com/simple", "deploy:" + "s3cr3t-Idx-T0ken"),
    ("url token", "git+https://{}@gitlab.example.com/g/p.git", "glpat" + "-x1Y2z3W4v5U6t7S8r9Q0"),
    ("url password", "DATABASE_URL=postgres://{}@db:5432/app", "app:" + "pg-Pa55word"),
    ("secret value", "SECRET_KEY={}", "d9f8a7b6c5e4" + "d3c2b1a0"),
    ("secret value", "API_TOKEN={}", "tok-" + "12ab34cd56ef"),
    ("secret value", 'client_secret: "{}"', "cs-" + "9f8e7d6c5b4a"),
    ("secret value", 'config = {{"apiKey": "{}"}}', "k3y-" + "v4lu3-x9"),
    ("password", "PASSWORD={}", "hunter" + "2hunter2"),
    ("password", "db_password: {}", "Tr0ub4dor" + "&3"),
    ("password", 'password = "{}"', "correct-horse-" + "battery-9"),
    ("password", "DB_PASSWORD={}", "super" + "secret"),
    ("password", "      POSTGRES_PASSWORD: {}", "post" + "gres"),
    ("password", "db_password := '{}'", "x9y8" + "z7w6"),
    ("password", "'password' => '{}'", "abc1" + "23def"),
]

# (kind, text, the part of the key that must never reach a prompt)
PRIVATE_KEY_TEXTS: list[tuple[str, str, str]] = [
    ("private key", "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n", "MIIEow"),
    ("private key", "-----BEGIN " + "OPENSSH PRIVATE KEY-----\nb3BlbnNzaA\n", "b3BlbnNzaA"),
    ("private key", "-----BEGIN " + "PGP PRIVATE KEY BLOCK-----\nlQOY\n", "lQOY"),
    ("private key", '{"type": "service_account", "private_key": "-----BEGIN ' + 'PRIVATE KEY-----\\nMIIq"}', "MIIq"),
    ("putty private key", "PuTTY-User-" + "Key-File-3: ssh-ed25519\nPrivate-Lines: 1\nAAAAQ\n", "AAAAQ"),
    ("jwk private key", '{"kty": "EC", "x": "f83O", "d": "' + "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X" + '"}', "jpsQnn"),
]

NOT_SECRETS = [
    "tokens = 5",
    "max_token = 4096",
    'password_field = "password"',
    '"password": "password"',
    "label = 'Password'",
    "API_KEY=",
    "API_KEY=your-api-key-here",
    "OPENAI_API_KEY=<your key>",
    "TOKEN=${GITHUB_TOKEN}",
    "SECRET_KEY=changeme",
    "API_TOKEN=example-token",
    "PASSWORD=replace-me-please",
    "sk-learn-and-other-kebab-words",
    "PASSWORD=xxxxxxxx",
    "api_key = os.environ['ANTHROPIC_API_KEY']",
    "token = get_token()",
    "self.api_key = api_key",
    "sort_key = 'created_at'",
    "cache_key = 'user:1234'",
    "public_key = 'ssh-ed25519 AAAA'",
    "monkey = 'banana12'",
    "key: value",
    "git clone https://${USER}:${TOKEN}@github.com/x/y",
    "https://user@example.com/path",
    "desk-lamp-and-other-things-2024",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "def authenticate(password: str) -> bool:",
    'if password == "":',
    "password: string;",
    "token: TokenType",
    "{ token: userToken }",
    "token = user_token",
    "secret=self.secret",
    'password: str = ""',
    "api_key: Optional[str]",
    "login(password=password)",
    "steps:\n  - uses: actions/checkout@v4\n    with:\n      token: ${{ secrets.GITHUB_TOKEN }}",
]


@pytest.mark.parametrize(
    ("kind", "line", "value"), SECRET_LINES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(SECRET_LINES)]
)
def test_each_kind_of_secret_value_is_redacted_where_it_stands_and_named(kind: str, line: str, value: str) -> None:
    text = "before\n" + line.format(value) + "\nafter\n"
    cleaned = secrets.redact(text)
    assert value not in cleaned.text and cleaned.whole is None
    assert f"[redacted: {kind}]" in cleaned.text and cleaned.kinds == {kind: 1}
    assert cleaned.text.startswith("before\n") and cleaned.text.endswith("\nafter\n")


@pytest.mark.parametrize(("kind", "text", "inner"), PRIVATE_KEY_TEXTS, ids=[k for k, _, _ in PRIVATE_KEY_TEXTS])
def test_a_private_key_makes_the_whole_text_secret_and_the_last_net_cuts_it_out(
    kind: str, text: str, inner: str
) -> None:
    cleaned = secrets.redact("notes\n" + text)
    assert cleaned.whole == kind and cleaned.text == ""
    assert secrets.whole_file_reason(text) == f"text holding a {kind}"
    net = secrets.guard_prompt("before\n\n" + text + "\n\nafter words")
    assert net.startswith("before\n\n") and f"[redacted: {kind}]" in net
    assert inner not in net and net.endswith("after words")


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_ordinary_code_placeholders_and_templates_are_not_redacted(text: str) -> None:
    assert list(secrets.scan(text)) == [] and secrets.redact(text).text == text


def test_the_table_covers_every_kind_the_guard_promises() -> None:
    kinds = {p.kind for p in secrets.PATTERNS}
    assert {k for k, _, _ in SECRET_LINES} - {"aws secret key", "password"} <= kinds
    assert {k for k, _, _ in PRIVATE_KEY_TEXTS} <= kinds


def test_base_urls_are_shown_without_their_credentials() -> None:
    assert secrets.safe_url("https://bob:" + "pw-123@llm.internal/v1") == "https://[redacted]@llm.internal/v1"
    assert secrets.safe_url("http://localhost:11434/api") == "http://localhost:11434/api"
    assert secrets.redact_urls("GET https://tok@h/x failed") == "GET https://[redacted]@h/x failed"


ENV_VARIANTS = [".env~", ".env_local", ".env.bak", "config.env.bak", "prod.env.txt", "app/.env.production", ".envrc"]
CREDENTIAL_NAMES = [
    "credentials",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".config/gh/hosts.yml",
    ".docker/config.json",
    ".kube/config",
    "infra/terraform.tfvars",
    "infra/prod.tfvars",
    "infra/terraform.tfstate",
    "infra/terraform.tfstate.backup",
    ".npmrc",
    ".npmrc.bak",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    "id_rsa.old",
]
HISTORY = [".bash_history", ".zsh_history", ".python_history", ".psql_history", "fish_history"]
ORDINARY = ["src/env.ts", "environment.yml", "src/credentials_form.py", "hosts.yml", "config.json", "notes.txt"]


@pytest.mark.parametrize("rel", [*ENV_VARIANTS, *CREDENTIAL_NAMES, *HISTORY])
def test_secret_files_are_refused_by_name_with_their_backups_and_variants(rel: str) -> None:
    assert why_private(rel) is not None


@pytest.mark.parametrize("rel", ORDINARY)
def test_ordinary_names_are_not_refused(rel: str) -> None:
    assert why_private(rel) is None


def test_a_hard_link_to_a_refused_file_is_refused_by_inode(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-" + A36 + "\n")
    os.link(tmp_path / ".env", tmp_path / "notes.md")
    (tmp_path / "plain.md").write_text("# plain\n")
    paths = Paths(tmp_path)
    assert "hard link to '.env'" in (LinkGuard(paths).why(tmp_path / "notes.md") or "")
    assert LinkGuard(paths).why(tmp_path / "plain.md") is None
    with pytest.raises(Refused, match=r"hard link to '\.env'"):
        read_for_prompt(paths, "notes.md", what="input", fix="Pass another file.")
    assert why_refused(paths, "notes.md") is not None and why_refused(paths, "plain.md") is None


def test_read_for_prompt_redacts_values_notes_them_and_refuses_a_key_file(tmp_path: Path) -> None:
    token = "gh" + "p_" + A36
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://ci:" + "idx-T0ken-9@pkgs.example.com/simple\nrequests==2.32\n"
    )
    (tmp_path / "notes.md").write_text(f"Use {token} for the CI.\n")
    (tmp_path / "deploy.txt").write_text(PRIVATE_KEY_TEXTS[4][1])
    paths = Paths(tmp_path)
    secrets.begin_notes()
    reqs = read_for_prompt(paths, "requirements.txt", what="manifest", fix="")
    notes = read_for_prompt(paths, "notes.md", what="input", fix="")
    assert "idx-T0ken" not in reqs and "[redacted: url password]" in reqs and "requests==2.32" in reqs
    assert token not in notes and "[redacted: github token]" in notes
    assert secrets.notes() == ["requirements.txt: redacted 1 url password", "notes.md: redacted 1 github token"]
    with pytest.raises(InvalidInput, match="putty private key"):
        read_for_prompt(paths, "deploy.txt", what="input", fix="")


def test_provider_error_text_never_carries_a_base_url_credential() -> None:
    from taskmaster_mcp.models.failures import redact

    text = redact("Connection to https://bob:" + "pw-9@llm.internal/v1 failed (key sk-x)", "sk-x")
    assert text == "Connection to https://[redacted]@llm.internal/v1 failed (key ***)"
