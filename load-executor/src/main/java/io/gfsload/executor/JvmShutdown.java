package io.gfsload.executor;

/** Whether the JVM is shutting down (SIGTERM, SIGINT, {@code System.exit}): a load that ends then reports nothing. */
public final class JvmShutdown {
    private JvmShutdown() {}

    /** True once the JVM has begun to run its shutdown hooks. */
    public static boolean inProgress() {
        Thread probe = new Thread(() -> {}, "gfsload-shutdown-probe");
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        }
        catch (IllegalStateException e) {
            return true;
        }
    }
}
