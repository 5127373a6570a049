"""Start and stop real Celery workers for the task tests and benches.

    python -m bench.celery_workers NAME [CONCURRENCY]   # a worker, the fake encoder unless told

The worker is `celery -A config worker`, as `make worker` starts it, but with the fake
encoder (slowed by DIZIN_BENCH_ENCODE_SECONDS) unless DIZIN_BENCH_ENCODER=model.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.reindex_runs import ROOT, SlowHashingEncoder


def start_worker(
    name: str, env: dict[str, str], log: Path, *, concurrency: int = 1
) -> subprocess.Popen:
    """Start a worker named `name`, its output in `log`; wait_until_ready() tells when it serves."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench.celery_workers", name, str(concurrency)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_ready(log: Path, seconds: float = 60) -> None:
    """Wait for the worker writing `log` to say it is ready."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and " ready." in log.read_text():
            return
        time.sleep(0.1)
    raise TimeoutError(f"no worker ready after {seconds} s: {log.read_text()[-2000:]}")


def stop_worker(process: subprocess.Popen, *, kill: bool = False) -> None:
    """Stop a worker and its pool: SIGKILL to every process of it when `kill`."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def pool_children(process: subprocess.Popen) -> list[int]:
    """Return the pids of a worker's pool processes."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def worker(name: str, concurrency: int) -> None:
    """Run a Celery worker in this process, with the fake encoder unless asked for the model."""
    import django

    django.setup()
    if os.environ.get("DIZIN_BENCH_ENCODER") != "model":
        from search import factory

        factory.use_encoder(SlowHashingEncoder())
    from config.celery import app

    app.worker_main(
        ["worker", "--loglevel", "INFO", "--hostname", f"{name}@%h",
         "--concurrency", str(concurrency), "--without-gossip", "--without-mingle"]
    )  # fmt: skip


if __name__ == "__main__":
    worker(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1)
