package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.server.CacheServerMain;
import io.gfsload.catalog.embedded.MetastoreServerMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the processes {@code gfsload} starts (cache servers, the metastore) do with a failure that
 * no thread of theirs caught: they log it, as their other lines (whose secrets their logging
 * hides), rather than have the JVM print it on stderr, their log file, as it is.
 */
class TestServersUncaughtFailures {
    static Stream<Arguments> servers() {
        return Stream.of(
                Arguments.of(CacheServerMain.class, (Runnable) CacheServerMain::logUncaughtFailures),
                Arguments.of(MetastoreServerMain.class, (Runnable) MetastoreServerMain::logUncaughtFailures));
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aFailureNoThreadCaughtIsLoggedNotPrintedAsTheJvmHasIt(Class<?> server, Runnable logUncaughtFailures) throws InterruptedException {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        PrintStream err = System.err;
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try {
            // slf4j-simple writes to the System.err of the moment
            System.setErr(new PrintStream(written, true, StandardCharsets.UTF_8));
            logUncaughtFailures.run();
            Thread thread = new Thread(() -> {
                throw new IllegalStateException("a failure no one caught");
            }, "uncaught-test");
            thread.start();
            thread.join();
        }
        finally {
            System.setErr(err);
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
        String log = written.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("ERROR " + server.getName() + " - Thread uncaught-test ended by a failure it did not catch"), log);
        assertTrue(log.contains("java.lang.IllegalStateException: a failure no one caught"), log);
        assertFalse(log.contains("Exception in thread"), log);
    }
}
