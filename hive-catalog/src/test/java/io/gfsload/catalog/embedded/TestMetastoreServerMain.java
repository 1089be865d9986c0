package io.gfsload.catalog.embedded;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the metastore's process does with a failure no thread of it caught. */
class TestMetastoreServerMain {
    @Test
    void aFailureNoThreadCaughtIsLoggedNotPrintedAsTheJvmHasIt() throws InterruptedException {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        PrintStream err = System.err;
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try {
            // slf4j-simple writes to the System.err of the moment
            System.setErr(new PrintStream(written, true, StandardCharsets.UTF_8));
            MetastoreServerMain.logUncaughtFailures();
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
        assertTrue(log.contains("ERROR io.gfsload.catalog.embedded.MetastoreServerMain - Thread uncaught-test ended by a failure it did not catch"), log);
        assertTrue(log.contains("java.lang.IllegalStateException: a failure no one caught"), log);
        assertFalse(log.contains("Exception in thread"), log);
    }
}
