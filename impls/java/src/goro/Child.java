package goro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Parts that end the JVM by design (or must not share its state) run as a child: this same
 * program re-executed as `goro.Main child:NAME '<json>'` with the same java, the same JVM flags
 * (and -Dgoro.units) and the same class path, plus any extra flags the caller adds. The parent
 * reads what the child left on stdout/stderr and its exit code. A child that outlives its
 * timeout is killed (destroyForcibly), and a shutdown hook kills any still running if this JVM
 * exits normally or by SIGTERM; a SIGKILL of this JVM cannot be forwarded from Java.
 */
public final class Child {
    private Child() {}

    public record Result(String stdout, String stderr, int exitCode, boolean timedOut, double seconds) {
        public boolean contains(String s) {
            return stderr.contains(s) || stdout.contains(s);
        }

        /** The first stderr line containing needle, or the first stderr line, or "". */
        public String line(String needle) {
            String[] lines = stderr.split("\n");
            for (String l : lines) {
                if (l.contains(needle)) {
                    return l;
                }
            }
            return lines.length > 0 ? lines[0] : "";
        }
    }

    private static final List<Process> RUNNING = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (RUNNING) {
                RUNNING.forEach(Process::destroyForcibly);
            }
        }));
    }

    /** Runs child NAME (registered in Main.CHILDREN) with jsonArgs, bounded by timeoutMs. */
    public static Result run(String name, String jsonArgs, long timeoutMs, String... extraJvmFlags)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of(extraJvmFlags));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add(name);
        cmd.add(jsonArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        long t0 = System.nanoTime();
        Process proc = pb.start();
        synchronized (RUNNING) {
            RUNNING.add(proc);
        }
        proc.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Thread o = drain(proc.getInputStream(), out), e = drain(proc.getErrorStream(), err);
        boolean finished = proc.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
        if (!finished) {
            proc.destroyForcibly();
            proc.waitFor();
        }
        o.join();
        e.join();
        synchronized (RUNNING) {
            RUNNING.remove(proc);
        }
        return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                finished ? proc.exitValue() : -1, !finished, (System.nanoTime() - t0) / 1e9);
    }

    // a platform thread each: the draining must not depend on the units under test
    private static Thread drain(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // the child died; what arrived is kept
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
