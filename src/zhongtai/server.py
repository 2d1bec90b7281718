"""Serving with several worker processes, each new connection handed to the next worker in turn.

uvicorn's own `--workers` lets every worker accept from one shared listening socket. Under Linux the worker
that wakes first accepts every connection waiting (its event loop accepts until none is left), so a few
long-lived keep-alive connections — tills, partner systems, a proxy's upstream pool — often land 6 to 2 or
7 to 1 on two workers: one worker's core is saturated while the other idles, and latency doubles. Node's
cluster module hands connections out round-robin from the parent for the same reason; so does this.

The parent process owns the listening socket and accepts; it passes each accepted socket over a Unix
socket pair to worker `n % workers` (SCM_RIGHTS). A worker is a plain uvicorn `Server` (same HTTP
protocol, lifespan, graceful shutdown on SIGTERM) whose only difference is where its connections come
from. A worker that dies is replaced; SIGTERM or SIGINT to the parent stops the workers and waits for them.

`zhongtai serve --workers N` uses it; `python -m zhongtai.server module:factory` serves any app factory
the same way (the benchmarks serve their baseline apps with it, so both sides run alike).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import multiprocessing as mp
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

import uvicorn

log = logging.getLogger(__name__)

Factory = str | Callable[[], Any]  # "module:callable" or a picklable callable returning an ASGI app
_ACCEPT_TICK = 0.5  # seconds between checks of the stop flag and the workers' health while idle


def serve(factory: Factory, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          log_level: str = "info", access_log: bool = False, backlog: int = 2048) -> None:
    """Serve the app built by `factory` until SIGTERM/SIGINT; one process when `workers` is 1."""
    options = {"log_level": log_level, "access_log": access_log, "log_config": None, "backlog": backlog}
    if workers <= 1:
        uvicorn.run(factory, factory=True, host=host, port=port, **options)
        return
    listener = socket.create_server((host, port), backlog=backlog)
    _Supervisor(listener, factory, workers, options).run()


class _Supervisor:
    """Accepts on the listening socket and deals the connections out to the workers in turn."""

    def __init__(self, listener: socket.socket, factory: Factory, workers: int, options: dict[str, Any]):
        self.listener, self.factory, self.options = listener, factory, options
        self.ctx = mp.get_context("spawn")
        self.slots: list[tuple[Any, socket.socket]] = [self._spawn() for _ in range(workers)]
        self.stopping = False

    def _spawn(self) -> tuple[Any, socket.socket]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        proc = self.ctx.Process(target=_worker, args=(self.factory, theirs, self.options), name="zhongtai-worker")
        proc.start()
        theirs.close()
        return proc, ours

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.listener.settimeout(_ACCEPT_TICK)
        host, port = self.listener.getsockname()[:2]
        log.info("serving on http://%s:%d with %d workers (connections dealt round-robin)", host, port,
                 len(self.slots))
        turn = 0
        try:
            while not self.stopping:
                try:
                    conn, _addr = self.listener.accept()
                except TimeoutError:
                    self._replace_dead()
                    continue
                except OSError:
                    if self.stopping:
                        break
                    raise
                with conn:
                    turn = self._hand_over(conn, turn)
        finally:
            self.listener.close()
            self._stop_workers()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _hand_over(self, conn: socket.socket, turn: int) -> int:
        """Pass `conn` to the worker whose turn it is (or the next live one); the next turn."""
        for attempt in range(len(self.slots)):
            n = (turn + attempt) % len(self.slots)
            channel = self.slots[n][1]
            try:
                socket.send_fds(channel, [b"c"], [conn.fileno()])
                return n + 1
            except OSError:  # that worker is gone: replace it and try the next one
                self._replace(n)
        log.error("no worker took a connection; it is closed")
        return turn + 1

    def _replace_dead(self) -> None:
        for n, (proc, _channel) in enumerate(self.slots):
            if not proc.is_alive() and not self.stopping:
                self._replace(n)

    def _replace(self, n: int) -> None:
        proc, channel = self.slots[n]
        log.warning("worker %s exited (code %s); starting another", proc.pid, proc.exitcode)
        channel.close()
        proc.join(timeout=1)
        self.slots[n] = self._spawn()

    def _stop(self, signum: int, _frame: Any) -> None:
        self.stopping = True

    def _stop_workers(self) -> None:
        for proc, channel in self.slots:
            channel.close()
            if proc.is_alive():
                proc.terminate()  # uvicorn's graceful shutdown: finish requests, run the lifespan's shutdown
        for proc, _channel in self.slots:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()


def _worker(factory: Factory, channel: socket.socket, options: dict[str, Any]) -> None:
    """A worker process: uvicorn, fed connections by the parent instead of a listening socket."""
    config = uvicorn.Config(factory, factory=True, **options)
    _HandedServer(config, channel).run()


class _HandedServer(uvicorn.Server):
    """A uvicorn server whose connections arrive as file descriptors on `channel`."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket):
        super().__init__(config)
        self.channel = channel

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await self.lifespan.startup()
        if self.lifespan.should_exit:
            sys.exit(3)  # uvicorn's STARTUP_FAILURE
        config, loop = self.config, asyncio.get_running_loop()

        def create_protocol(_loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Protocol:
            return config.http_protocol_class(config=config, server_state=self.server_state,  # type: ignore[call-arg]
                                              app_state=self.lifespan.state, _loop=_loop)

        self.servers = []
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._take, loop, create_protocol)
        self.started = True

    def _take(self, loop: asyncio.AbstractEventLoop, create_protocol: Callable[[], asyncio.Protocol]) -> None:
        while True:
            try:
                msg, fds, _flags, _addr = socket.recv_fds(self.channel, 16, 16)
            except BlockingIOError:
                return
            if not msg and not fds:  # the parent is gone: stop as on SIGTERM
                loop.remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            for fd in fds:
                loop.create_task(self._connect(loop, create_protocol, socket.socket(fileno=fd)))

    @staticmethod
    async def _connect(loop: asyncio.AbstractEventLoop, create_protocol: Callable[[], asyncio.Protocol],
                       sock: socket.socket) -> None:
        try:
            await loop.connect_accepted_socket(create_protocol, sock)
        except OSError:  # the client left before we got to it
            sock.close()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self.channel.fileno())
        await super().shutdown(sockets)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m zhongtai.server", description=__doc__.split("\n\n")[0])
    parser.add_argument("factory", help="module:callable returning the ASGI app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    serve(args.factory, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level,
          access_log=args.access_log)


if __name__ == "__main__":
    main()
