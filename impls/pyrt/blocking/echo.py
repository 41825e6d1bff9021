"""Scenario bodies shared by threading and gevent, the opening anecdote's benchmark: echo_rtt.

BenchmarkEcho as a user of blocking sockets writes it: an acceptor unit starts one server unit
per accepted connection (recv, sendall back, until EOF), and conns client units in the same
process each make rounds round trips. The same code serves both backends because the socket
module is a primitive of the backend (`self.net`): the stdlib's `socket` for threads, whose
calls block the thread, and `gevent.socket` for greenlets, whose calls look blocking but switch
to the hub. Connecting is untimed; the round trips of all clients are timed together from one
gate (`gated`), and the digest is computed from the replies, as plan.EXPECTED["echo_rtt"] says.
"""

from __future__ import annotations

import socket
from typing import Any

from impls.pyrt.fdlimit import raise_fd_limit
from impls.pyrt.memory import rss
from impls.pyrt.timing import WAIT_S, per_op_ns, timed
from suite import plan
from suite.plan import term, total


class EchoScenarios:
    """Scenario bodies shared by threading and gevent, the opening anecdote."""

    def sc_echo_rtt(self, conns: int, rounds: int, msg_bytes: int, seed: int) -> dict[str, Any]:
        net = self.net
        raise_fd_limit(2 * conns + 256)  # a client and a server socket per connection
        rss_baseline = rss()
        listener = net.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(min(conns, 4096))  # every client connects before any is accepted
        listener.settimeout(WAIT_S)
        accepted = self.WaitGroup()
        accepted.add(conns)
        servers: list[Any] = []

        def serve(conn: Any) -> None:
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)

        def acceptor() -> None:
            for _ in range(conns):
                conn, _addr = listener.accept()
                conn.settimeout(WAIT_S)  # a server unit never outlives a stuck run
                servers.append(self.go(serve, conn))
                accepted.done()

        accepting = self.go(acceptor)
        clients: list[Any] = []
        try:
            for _ in range(conns):
                client = net.create_connection(listener.getsockname(), timeout=WAIT_S)
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                clients.append(client)
            accepted.wait()
            self.join_or_fail([accepting], "echo acceptor")
            rss_connected = rss()
            echoed = [0] * conns
            digests = [0] * conns

            def round_trips(c: int) -> None:
                sock, reply = clients[c], bytearray(msg_bytes)
                view = memoryview(reply)
                for r in range(rounds):
                    message = plan.echo_message(seed, c, r, msg_bytes)
                    sock.sendall(message)
                    got = 0
                    while got < msg_bytes:
                        n = sock.recv_into(view[got:])
                        if n == 0:
                            raise ConnectionError(f"echo server closed client {c}'s connection")
                        got += n
                    matched = reply == message  # the outcome: msg_bytes when all of it matched
                    echoed[c] += matched
                    digests[c] += term(seed, c, r, msg_bytes if matched else 0)

            seconds, _ = self.gated([lambda c=c: round_trips(c) for c in range(conns)],
                                    "echo clients")
        finally:
            for client in clients:
                client.close()  # each server unit reads EOF and ends
            listener.close()
        self.join_or_fail(servers, "echo server units")
        ops = conns * rounds
        return timed(seconds, ops, ns_per_op=per_op_ns(seconds, ops), echoed=sum(echoed),
                     rss_baseline=rss_baseline, rss_connected=rss_connected,
                     bytes_per_conn=(rss_connected - rss_baseline) / conns,
                     plan_digest=total(digests))
