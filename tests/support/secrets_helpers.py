"""A secret corpus planted in a project: files the guard must refuse whole, and ordinary files holding secret values.

Used by tests/test_secret_guard.py (0 planted values may reach a request body) and tests/bench/bench_secrets.py
(which prints the corpus table). Values are built from parts so this file does not look like a leak itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

R = "Zq7Xw2Vb9Nc4Mk8Lp3Jh6Gf1Ds5Aa0Yt"  # 32 characters of fake key material


def _v(prefix: str, n: int = 36, salt: str = "") -> str:
    return prefix + (salt + R + R)[:n]


@dataclass(frozen=True)
class Planted:
    """One file of the corpus: where, what it holds, the values that must never reach a model, and its kind."""

    rel: str
    text: str
    values: tuple[str, ...]
    kind: str
    whole: bool  # refused or left out as a whole file (by name, link or key content)


def corpus() -> list[Planted]:
    """Every planted file; each value is unique to its file."""
    anthropic = "sk-" + "ant-api03-" + _v("", 40, "a")
    openai = "sk-" + "proj-" + _v("", 40, "o")
    github = "gh" + "p_" + _v("", 36, "g")
    aws_id = "AK" + "IA" + "QWERTYUIOP123456"
    aws_secret = "wJalrXUtnFEMI/K7MDENG/" + _v("", 18, "s")
    slack = "xo" + "xb-" + "1234567890-" + _v("", 20, "k")
    stripe = "sk" + "_live_" + _v("", 24, "t")
    npm = "np" + "m_" + _v("", 36, "n")
    pypi = "pyp" + "i-" + "AgEIcHlwaS5vcmc" + _v("", 40, "p")
    google = "AI" + "za" + "Sy" + _v("", 33, "G")
    index_token = "idx-" + _v("", 20, "i")
    db_password = "pg-" + _v("", 16, "d")
    compose_password = "Cmp0se-" + _v("", 12, "c")
    env_key = "sk-" + "ant-api03-" + _v("", 40, "e")

    def env(value: str) -> str:
        return f"ANTHROPIC_API_KEY={value}\n"

    def value(tag: str) -> str:
        return "tok-" + _v("", 24, tag)

    pem = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEpA" + _v("", 24, "r") + "\n-----END RSA PRIVATE KEY-----\n"
    putty = "PuTTY-User-" + "Key-File-3: ssh-ed25519\nPrivate-Lines: 1\nAAAAIB" + _v("", 24, "u") + "\n"
    jwk = json.dumps({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2", "d": "jpsQnn" + _v("", 30, "j")})
    files = [
        Planted(".env", env(env_key), (env_key,), "env file", True),
        *(
            Planted(rel, f"TOKEN={value(rel)}\n", (value(rel),), "env file variant", True)
            for rel in (".env~", ".env_local", "config.env.bak", "prod.env.txt")
        ),
        Planted(
            "credentials", f"[default]\naws_secret_access_key={value('cr')}\n", (value("cr"),), "credentials", True
        ),
        Planted("infra/terraform.tfvars", f'db_pass = "{value("tv")}"\n', (value("tv"),), "terraform vars", True),
        Planted(
            "infra/terraform.tfstate.backup", json.dumps({"pw": value("ts")}), (value("ts"),), "terraform state", True
        ),
        Planted(".cargo/credentials.toml", f'[registry]\ntoken = "{value("ca")}"\n', (value("ca"),), "cargo", True),
        Planted(".config/gh/hosts.yml", f"github.com:\n  oauth_token: {value('gh')}\n", (value("gh"),), "gh", True),
        Planted(
            ".docker/config.json", json.dumps({"auths": {"x": {"auth": value("dk")}}}), (value("dk"),), "docker", True
        ),
        Planted(".kube/config", f"users:\n- user:\n    token: {value('ku')}\n", (value("ku"),), "kube", True),
        Planted(".npmrc", f"//registry.npmjs.org/:_authToken={value('np')}\n", (value("np"),), "npmrc", True),
        Planted(".pypirc", f"[pypi]\npassword = {value('pp')}\n", (value("pp"),), "pypirc", True),
        Planted(".netrc", f"machine h login u password {value('nr')}\n", (value("nr"),), "netrc", True),
        Planted(".git-credentials", f"https://u:{value('gc')}@github.com\n", (value("gc"),), "git credentials", True),
        Planted(".bash_history", f"curl -H 'X: {value('bh')}' h\n", (value("bh"),), "shell history", True),
        Planted("keys/deploy.ppk", putty.replace("AAAAIB", "AAAAIC"), ("AAAAIC" + _v("", 24, "u"),), "putty", True),
        Planted("notes/putty.txt", putty, ("AAAAIB" + _v("", 24, "u"),), "putty by content", True),
        Planted("notes/server.txt", pem, ("MIIEpA" + _v("", 24, "r"),), "pem by content", True),
        Planted("notes/jwk.json", jwk, ("jpsQnn" + _v("", 30, "j"),), "jwk by content", True),
        Planted(
            "src/settings.py",
            f'ANTHROPIC = "{anthropic}"\nOPENAI = "{openai}"\nGH = "{github}"\nAWS_ID = "{aws_id}"\n'
            f'aws_secret_access_key = "{aws_secret}"\nSLACK = "{slack}"\nSTRIPE = "{stripe}"\n'
            f'NPM = "{npm}"\nPYPI = "{pypi}"\nMAPS = "{google}"\ntokens = 5\n',
            (anthropic, openai, github, aws_id, aws_secret, slack, stripe, npm, pypi, google),
            "values in code",
            False,
        ),
        Planted(
            "requirements.txt",
            f"--index-url https://ci:{index_token}@pkgs.example.com/simple\nrequests==2.32\n",
            (index_token,),
            "index url token",
            False,
        ),
        Planted(
            "docker-compose.yml",
            f"services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: {compose_password}\n",
            (compose_password,),
            "password assignment",
            False,
        ),
        Planted("README.md", f"Connect with postgres://app:{db_password}@db/app\n", (db_password,), "url", False),
    ]
    return files


def plant(root: Path) -> list[Planted]:
    """Write the corpus into ``root``, plus ``docs/linked.md``, a hard link to ``.env``; return it."""
    files = corpus()
    for item in files:
        path = root / item.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item.text)
    (root / "docs").mkdir(exist_ok=True)
    os.link(root / ".env", root / "docs/linked.md")
    env = files[0]
    return [*files, Planted("docs/linked.md", env.text, env.values, "hard link", True)]


def leaks(bodies: list[Any], planted: list[Planted]) -> list[str]:
    """The planted values found in any recorded request body (as sent, JSON-encoded)."""
    sent = "\n".join(json.dumps(body) for body in bodies)
    found: list[str] = []
    for item in planted:
        for value in item.values:
            if value in sent or json.dumps(value)[1:-1] in sent:
                found.append(f"{item.rel}: {value[:12]}...")
    return found
