"""The threading backend, the opening anecdote: a unit per connection (echo_server, echo_rtt)."""

from __future__ import annotations

import socketserver
from typing import Any

from impls.pyrt.echo import drive_echo
from impls.pyrt.fdlimit import raise_fd_limit
from impls.pyrt.timing import WAIT_S
from impls.threading.units import go


class EchoScenarios:
    """The threading backend, the opening anecdote."""

    def sc_echo_server(self, conns: int, rounds: int, buf_bytes: int) -> dict[str, Any]:
        raise_fd_limit(conns + 256)

        class Echo(socketserver.BaseRequestHandler):
            def handle(self) -> None:  # one thread per connection
                while data := self.request.recv(buf_bytes):
                    self.request.sendall(data)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            block_on_close = False
            allow_reuse_address = True
            request_queue_size = 1024  # the default backlog of 5 drops a burst of connects

        with Server(("127.0.0.1", 0), Echo) as server:
            serving = go(server.serve_forever)
            try:
                obs = drive_echo(server.server_address[1], conns, rounds)
            finally:
                server.shutdown()
                serving.join(WAIT_S)
        return {**obs, "server": "socketserver.ThreadingTCPServer"}
