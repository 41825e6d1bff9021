package goro;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The opening anecdote: loopback TCP echo servers with blocking java.net sockets.
 *
 * echo_server is the article's comparison: on java-threads, the Java thread-pool server (a fixed
 * pool of conns platform threads, one pooled thread per connection: the pool is large enough for
 * every connection, or the extra ones would wait unserved); on java-virtual, a new virtual thread
 * per connection (a blocking read parks the virtual thread and frees its carrier). The suite's
 * client (python -m suite.echo_client, -Dgoro.python names the Python) runs as a child process
 * and drives it; the server reads its own RSS idle and after traffic.
 *
 * echo_rtt is BenchmarkEcho: server and conns client units in this JVM, blocking sockets on both
 * kinds, the round trips of all clients timed together from one gate (suite/plan.py's digest).
 */
final class Echo {
    private Echo() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("echo_server", Echo::echoServer);
        reg.put("echo_rtt", Echo::echoRtt);
    }

    static final int BOUND_S = 180; // each phase of the client is bounded

    /** The per-connection unit: read into a buffer of bufBytes, write it back, until EOF. */
    static void handle(Socket c, int bufBytes) {
        try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
            byte[] buf = new byte[bufBytes];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the peer reset the connection: this unit ends, as Go's handle does on an error
        }
    }

    /** Accepts until the listener closes, handing each connection to a unit of the kind. */
    static Thread serve(ServerSocket ln, ExecutorService handlers, int bufBytes, List<Socket> open) {
        return Units.go(() -> {
            for (;;) {
                Socket c;
                try {
                    c = ln.accept();
                } catch (IOException closed) {
                    return;
                }
                synchronized (open) {
                    open.add(c);
                }
                handlers.execute(() -> handle(c, bufBytes));
            }
        });
    }

    /** The echo client process: command lines in, reply lines out, each wait bounded. */
    private static final class Client implements AutoCloseable {
        final Process proc;
        final Writer stdin;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Client(int port, int conns, int rounds) throws IOException {
            String python = System.getProperty("goro.python");
            if (python == null) {
                throw new IllegalStateException(
                        "echo_server needs -Dgoro.python (the Python that runs suite.echo_client)");
            }
            proc = new ProcessBuilder(python, "-m", "suite.echo_client", "--port", String.valueOf(port),
                    "--conns", String.valueOf(conns), "--rounds", String.valueOf(rounds))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            stdin = new java.io.OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> { // a platform thread: not one of the units measured
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // the client died; expect() reports it
                }
                lines.add("\0eof");
            });
            reader.setDaemon(true);
            reader.start();
        }

        String expect(String prefix) throws InterruptedException {
            String line = lines.poll(BOUND_S, TimeUnit.SECONDS);
            if (line == null) {
                throw new IllegalStateException("echo client said nothing within " + BOUND_S
                        + " s (waiting for \"" + prefix + "\")");
            }
            if (line.equals("\0eof")) {
                throw new IllegalStateException("echo client exited before \"" + prefix + "\"");
            }
            if (!line.startsWith(prefix + " ")) {
                throw new IllegalStateException("echo client: " + line);
            }
            return line.substring(prefix.length() + 1).trim();
        }

        void send(String command) throws IOException {
            stdin.write(command + "\n");
            stdin.flush();
        }

        @Override
        public void close() {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // already gone
            }
            try {
                if (!proc.waitFor(30, TimeUnit.SECONDS)) {
                    proc.destroyForcibly();
                }
            } catch (InterruptedException e) {
                proc.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static Map<String, Object> echoServer(Params p) throws Exception {
        int conns = p.i("conns", 5000), rounds = p.i("rounds", 2), bufBytes = p.i("buf_bytes", 1024);
        if (!Units.virtual() && conns + 16 > Limits.platformThreads()) {
            throw new IllegalStateException(Limits.capMessage(Limits.platformThreads(), conns));
        }
        // platform: the article's thread pool, one pooled thread per connection; virtual: a new
        // virtual thread per connection
        ExecutorService handlers = Units.pool(conns);
        List<Socket> open = new ArrayList<>();
        long baseline, idle, traffic;
        int echoed;
        ServerSocket ln = new ServerSocket();
        try {
            ln.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Math.min(conns, 4096));
            Thread acceptor = serve(ln, handlers, bufBytes, open);
            baseline = Measure.rss();
            try (Client cl = new Client(ln.getLocalPort(), conns, rounds)) {
                cl.expect("idle");
                idle = Measure.rss();
                cl.send("traffic");
                echoed = Integer.parseInt(cl.expect("done"));
                traffic = Measure.rss();
                cl.send("close");
            }
            ln.close(); // ends the acceptor's accept()
            acceptor.join(TimeUnit.SECONDS.toMillis(BOUND_S));
        } finally {
            ln.close();
            synchronized (open) {
                for (Socket s : open) {
                    s.close();
                }
            }
            handlers.shutdownNow();
        }
        return Obs.of("conns", conns, "rss_baseline", baseline, "rss_idle", idle, "rss_traffic", traffic,
                "bytes_per_conn_idle", (double) (idle - baseline) / conns,
                "bytes_per_conn_traffic", (double) (traffic - baseline) / conns,
                "echoed", echoed, "expected_echoes", conns * rounds, "read_buffer_bytes", bufBytes,
                "server", Units.virtual() ? "Executors.newVirtualThreadPerTaskExecutor(), a virtual thread "
                        + "per connection" : "Executors.newFixedThreadPool(conns), a pooled thread per connection");
    }

    /** echo_rtt's message r of client c: size bytes of draw(seed, c, r) little-endian, repeated. */
    static byte[] message(long seed, int c, int r, int size) {
        long word = Plan.draw(seed, c, r);
        byte[] m = new byte[size];
        for (int k = 0; k < size; k++) {
            m[k] = (byte) (word >>> (8 * (k % 8)));
        }
        return m;
    }

    static Map<String, Object> echoRtt(Params p) throws Exception {
        int conns = p.i("conns", 100), rounds = p.i("rounds", 100), size = p.i("msg_bytes", 64);
        long seed = p.l("seed", 1);
        if (!Units.virtual() && 2 * conns + 16 > Limits.platformThreads()) {
            throw new IllegalStateException(Limits.capMessage(Limits.platformThreads(), 2L * conns));
        }
        long rssBaseline = Measure.rss();
        List<Socket> open = new ArrayList<>();
        List<Thread> servers = new ArrayList<>();
        Socket[] clients = new Socket[conns];
        long rssConnected;
        AtomicLong echoed = new AtomicLong();
        long[] digests = new long[conns];
        Measure.Clock clock;
        try (ServerSocket ln = new ServerSocket()) {
            ln.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Math.min(conns, 4096));
            ln.setSoTimeout(BOUND_S * 1000);
            WaitGroup accepted = new WaitGroup();
            accepted.add(conns);
            Thread acceptor = Units.go(() -> {
                try {
                    for (int i = 0; i < conns; i++) {
                        Socket c = ln.accept();
                        c.setSoTimeout(BOUND_S * 1000); // a server unit never outlives a stuck run
                        synchronized (open) {
                            open.add(c);
                            servers.add(Units.go(() -> handle(c, 65536)));
                        }
                        accepted.done();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                for (int c = 0; c < conns; c++) {
                    Socket s = new Socket();
                    clients[c] = s;
                    s.connect(ln.getLocalSocketAddress(), BOUND_S * 1000);
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(BOUND_S * 1000);
                }
                if (!accepted.await_(BOUND_S, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(accepted.count() + " connections never accepted");
                }
                acceptor.join();
                rssConnected = Measure.rss();
                // the round trips of all clients, timed together from one gate
                java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
                WaitGroup ready = new WaitGroup(), done = new WaitGroup();
                ready.add(conns);
                done.add(conns);
                String[] failure = {null};
                for (int c = 0; c < conns; c++) {
                    final int me = c;
                    Units.go(() -> {
                        try {
                            ready.done();
                            gate.await();
                            Socket s = clients[me];
                            OutputStream out = s.getOutputStream();
                            InputStream in = s.getInputStream();
                            byte[] reply = new byte[size];
                            long digest = 0, ok = 0;
                            for (int r = 0; r < rounds; r++) {
                                byte[] m = message(seed, me, r, size);
                                out.write(m);
                                in.readNBytes(reply, 0, size);
                                boolean matched = Arrays.equals(reply, m);
                                ok += matched ? 1 : 0;
                                // the outcome: size when the whole reply matched
                                digest += Plan.term(seed, me, r, matched ? size : 0);
                            }
                            digests[me] = digest;
                            echoed.addAndGet(ok);
                        } catch (Exception e) {
                            synchronized (failure) {
                                failure[0] = failure[0] == null ? "client " + me + ": " + e : failure[0];
                            }
                        } finally {
                            done.done();
                        }
                    });
                }
                ready.await_();
                clock = Measure.clock(() -> {
                    gate.countDown();
                    done.await_();
                });
                if (failure[0] != null) {
                    throw new IllegalStateException("echo_rtt " + failure[0]);
                }
            } finally {
                for (Socket s : clients) {
                    if (s != null) {
                        s.close(); // each server unit reads EOF and ends
                    }
                }
            }
        }
        synchronized (open) {
            for (Thread t : servers) {
                t.join(TimeUnit.SECONDS.toMillis(BOUND_S));
            }
        }
        long plan = 0;
        for (long d : digests) {
            plan += d;
        }
        long ops = (long) conns * rounds;
        return Obs.of("seconds", clock.wall(), "cpu_seconds", clock.cpu(), "ops", ops,
                "ns_per_op", clock.wall() / ops * 1e9, "echoed", echoed.get(),
                "rss_baseline", rssBaseline, "rss_connected", rssConnected,
                "bytes_per_conn", (double) (rssConnected - rssBaseline) / conns,
                "plan_digest", Plan.hex(plan));
    }
}
