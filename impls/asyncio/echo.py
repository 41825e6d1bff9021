"""The asyncio backend, the opening anecdote: a unit per connection (echo_server, echo_rtt)."""

from __future__ import annotations

import asyncio
import os
import sys

from impls.asyncio.units import live, park_on_gate
from impls.pyrt.fdlimit import raise_fd_limit
from impls.pyrt.memory import rss
from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite import plan
from suite.backend import REPO
from suite.plan import term, total


async def _expect(stream: asyncio.StreamReader, word: str) -> int:
    line = (await asyncio.wait_for(stream.readline(), 150)).decode().strip()
    head, _, value = line.partition(" ")
    if head != word:
        raise RuntimeError(f"echo client said {line!r}, expected '{word} N'")
    return int(value)


async def echo_server(conns: int, rounds: int, buf_bytes: int = 1024) -> dict:
    raise_fd_limit(conns + 256)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while data := await reader.read(buf_bytes):  # a buffer of buf_bytes
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=min(conns, 4096))
    port = server.sockets[0].getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    rss_baseline = rss()
    client = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "suite.echo_client", "--port", str(port), "--conns", str(conns),
        "--rounds", str(rounds), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env=env)
    assert client.stdin and client.stdout
    try:
        held = await _expect(client.stdout, "idle")
        rss_idle, handlers = rss(), live() - 1
        client.stdin.write(b"traffic\n")
        echoed = await _expect(client.stdout, "done")
        rss_traffic = rss()
        client.stdin.write(b"close\n")
        await asyncio.wait_for(client.wait(), WAIT_S)
    finally:
        if client.returncode is None:
            client.kill()
            await client.wait()
        server.close()
        await asyncio.wait_for(server.wait_closed(), WAIT_S)
    return {"conns": held, "rss_baseline": rss_baseline, "rss_idle": rss_idle,
            "rss_traffic": rss_traffic,
            "bytes_per_conn_idle": (rss_idle - rss_baseline) / held,
            "bytes_per_conn_traffic": (rss_traffic - rss_baseline) / held,
            "echoed": echoed, "handler_tasks_idle": handlers, "buf_bytes": buf_bytes}


async def echo_rtt(conns: int, rounds: int, msg_bytes: int = 64, seed: int = 1) -> dict:
    """BenchmarkEcho with asyncio streams: start_server runs a handler task per accepted
    connection (read, write back, until EOF); conns client tasks each open a connection
    (untimed), park on a gate, and make rounds round trips once it opens (timed together)."""
    raise_fd_limit(2 * conns + 256)  # a client and a server socket per connection
    rss_baseline = rss()
    handlers: list[asyncio.Task] = []
    all_in = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())
        if len(handlers) == conns:
            all_in.set()
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=min(conns, 4096))
    port = server.sockets[0].getsockname()[1]
    streams = []
    try:
        for _ in range(conns):
            streams.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port),
                                                  WAIT_S))
        await asyncio.wait_for(all_in.wait(), WAIT_S)
        rss_connected = rss()
        echoed = [0] * conns
        digests = [0] * conns
        gate = asyncio.Event()

        async def round_trips(c: int) -> None:
            await gate.wait()
            reader, writer = streams[c]
            for r in range(rounds):
                message = plan.echo_message(seed, c, r, msg_bytes)
                writer.write(message)
                await writer.drain()
                reply = await reader.readexactly(msg_bytes)
                matched = reply == message  # the outcome: msg_bytes when all of it matched
                echoed[c] += matched
                digests[c] += term(seed, c, r, msg_bytes if matched else 0)

        clients = await park_on_gate(gate, *(round_trips(c) for c in range(conns)))
        t0 = now()
        gate.set()
        await asyncio.wait_for(asyncio.gather(*clients), WAIT_S * 10)
        seconds = now() - t0
    finally:
        for _, writer in streams:
            writer.close()  # each handler reads EOF and ends
        server.close()
    await asyncio.wait_for(asyncio.gather(*handlers, return_exceptions=True), WAIT_S)
    await server.wait_closed()
    ops = conns * rounds
    return timed(seconds, ops, ns_per_op=per_op_ns(seconds, ops), echoed=sum(echoed),
                 rss_baseline=rss_baseline, rss_connected=rss_connected,
                 bytes_per_conn=(rss_connected - rss_baseline) / conns,
                 plan_digest=total(digests))
