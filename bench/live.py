"""Pieces shared by the benchmarks that serve Dizin with uvicorn on loopback."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CRANFIELD = ROOT.parent / "shared/data/cranfield"


def bench_env(scratch: Path, **overrides: str) -> dict[str, str]:
    """The environment for manage.py and uvicorn: a throwaway SQLite database and index."""
    return {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{scratch}/db.sqlite3",
        "VAR_DIR": str(scratch),
        "INDEX_DIR": str(scratch / "index"),
        "CACHE_KEY_PREFIX": f"dizin-load-{secrets.token_hex(4)}",
        "SEARCH_THROTTLE_RATE": "1000000/hour",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def write_corpus(collection: Path, target: Path, limit: int) -> list[str]:
    """Write each document as a text file; return the collection's query texts."""
    target.mkdir(parents=True)
    with open(collection / "corpus.jsonl") as lines:
        for n, line in enumerate(lines):
            if n >= limit:
                break
            doc = json.loads(line)
            (target / f"{doc['_id']}.txt").write_text(f"{doc['title']}\n{doc['text']}\n")
    with open(collection / "queries.jsonl") as lines:
        return [json.loads(line)["text"] for line in lines]


def manage(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def demo_token(env: dict[str, str], folder: Path) -> str:
    """Create the demo user, let it find the files under `folder`, and return its API token."""
    token = manage(env, "demo_user").split("API token ")[1].split()[0]
    manage(env, "access", "grant", str(folder), "--user", "demo")
    return token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    env: dict[str, str], workers: int, *, reuse_port: bool = False, tree: Path = ROOT
) -> tuple[subprocess.Popen, str]:
    """Start `uvicorn --workers N`, or with `reuse_port` `manage.py serve` (a socket a worker),
    from the checkout at `tree`."""
    port = free_port()
    listen = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if reuse_port:
        command = [sys.executable, "manage.py", "serve", *listen, "--log-level", "warning"]
    else:
        command = [sys.executable, "-m", "uvicorn", "config.asgi:application", *listen]
        command += ["--log-level", "warning"]
    server = subprocess.Popen(command, cwd=tree, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health/", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("uvicorn did not answer /api/health/ within 120 s")
