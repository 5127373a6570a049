"""Serve with uvicorn, one listening socket per worker process, so Linux spreads connections.

`uvicorn --workers N` binds one socket in its supervisor and shares it: the worker that wakes
first accepts every connection waiting, so eight keep-alive clients landed 8:0 or 7:1 on two
workers and one core sat idle. Here each worker binds its own socket to the same address with
SO_REUSEPORT, and the kernel hashes each new connection to one of them.
"""

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.context import SpawnProcess

import uvicorn

from core.exceptions import ServerNotStarted

logger = logging.getLogger(__name__)
APP = "config.asgi:application"
# A worker that dies this soon after it started is failing to start: restarting it won't help.
START_GRACE_SECONDS = 30.0


def reuse_port_socket(host: str, port: int, backlog: int) -> socket.socket:
    """Bind a listening TCP socket that other processes of this user may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets that say TCP.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise ServerNotStarted(f"Cannot listen on {host}:{port}: {error.strerror}") from error
    sock.listen(backlog)
    return sock


class ReusePortServer(uvicorn.Server):
    """A uvicorn server listening on a socket of its own, in a SO_REUSEPORT group."""

    def run(self, sockets: list[socket.socket] | None = None) -> None:
        config = self.config
        super().run(sockets=[reuse_port_socket(config.host, config.port, config.backlog)])


def _run_worker(host: str, port: int, log_level: str) -> None:
    ReusePortServer(uvicorn.Config(APP, host=host, port=port, log_level=log_level)).run()


def serve(*, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Run `workers` server processes until SIGINT or SIGTERM; replace any that dies."""
    reuse_port_socket(host, port, backlog=1).close()  # a taken address fails here, once
    # Each worker's model gets its share of the cores: two workers each running two torch
    # threads on two cores fought over them, and semantic search lost a third of its rate.
    cores = len(os.sched_getaffinity(0))
    if int(os.environ.get("SEMANTIC_THREADS") or 0) == 0:
        os.environ["SEMANTIC_THREADS"] = str(max(1, cores // workers))
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    def start() -> tuple[SpawnProcess, float]:
        process = context.Process(target=_run_worker, args=(host, port, log_level))
        process.start()
        return process, time.monotonic()

    processes = [start() for _ in range(workers)]
    logger.info("Serving on http://%s:%d with %d workers", host, port, workers)
    try:
        while not stop.wait(0.5):
            for n, (process, started) in enumerate(processes):
                if process.is_alive():
                    continue
                if time.monotonic() - started < START_GRACE_SECONDS:
                    raise ServerNotStarted(
                        f"A worker exited with code {process.exitcode} as it started"
                    )
                logger.warning("Worker %d exited with code %s", process.pid, process.exitcode)
                processes[n] = start()
    finally:
        for process, _ in processes:
            process.terminate()
        for process, _ in processes:
            process.join()
