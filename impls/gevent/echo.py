"""The gevent backend, the opening anecdote: a unit per connection (echo_server, echo_rtt)."""

from __future__ import annotations

from typing import Any

from impls.gevent.units import gevent
from impls.pyrt.echo import drive_echo
from impls.pyrt.fdlimit import raise_fd_limit
from impls.pyrt.timing import WAIT_S


class EchoScenarios:
    """The gevent backend, the opening anecdote."""

    def sc_echo_server(self, conns: int, rounds: int, buf_bytes: int) -> dict[str, Any]:
        raise_fd_limit(conns + 256)

        def echo(sock: Any, _addr: Any) -> None:  # one greenlet per connection
            while data := sock.recv(buf_bytes):
                sock.sendall(data)

        server = gevent.server.StreamServer(("127.0.0.1", 0), echo, backlog=1024)
        server.start()
        try:
            # The client protocol is driven from one of gevent's pool threads, so the hub
            # keeps serving; its RSS readings are the whole process's.
            job = gevent.get_hub().threadpool.spawn(drive_echo, server.server_port, conns,
                                                    rounds)
            obs = job.get(timeout=WAIT_S * 2)
        finally:
            server.stop(timeout=5)
        return {**obs, "server": "gevent.server.StreamServer"}
