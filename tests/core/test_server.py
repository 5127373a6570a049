"""`manage.py serve`: uvicorn workers with a listening socket each, so connections spread."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command

from tests.reliability.services import free_port

ROOT = Path(__file__).resolve().parents[2]


def listeners(port: int) -> list[int]:
    """Return the pids of the processes listening on `port`, one per listening socket."""
    out = subprocess.run(
        ["ss", "-ltnpH", f"( sport = :{port} )"], capture_output=True, text=True, check=True
    ).stdout
    return sorted(int(pid) for pid in re.findall(r"pid=(\d+)", out))


@pytest.mark.slow
@pytest.mark.model
def test_each_worker_listens_on_a_socket_of_its_own_and_stops_on_sigterm(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(listeners(port)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = listeners(port)
        # Workers answer once warmed up (the query encoder exported): slow on a busy machine.
        health = httpx.get(f"http://127.0.0.1:{port}/api/health/", timeout=90)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

    assert (len(workers), len(set(workers)), server.pid in workers) == (2, 2, False)
    assert health.json()["data"]["database"] == "ok"
    assert (server.returncode, listeners(port)) == (0, [])


def test_a_taken_address_is_refused_with_the_reason():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(CommandError) as refused:
            call_command("serve", port=port, workers=2)

    assert str(refused.value) == f"Cannot listen on 127.0.0.1:{port}: Address already in use"


def test_zero_workers_is_refused():
    with pytest.raises(CommandError, match=r"^--workers must be 1 or more\.$"):
        call_command("serve", workers=0)
