package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** The logging of gfsload's processes hides secrets in every line and in the failure it prints. */
class TestHiddenLogs {
    private static final String SECRET = "SecretX";

    /** A line as a logger was given it to write. */
    private record Line(Level level, String text, Throwable failure) {}

    /** A logger that keeps what it is given to write, at {@code lowest} and above. */
    private static final class Recording extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        private final Level lowest;
        private final transient List<Line> lines = new ArrayList<>();

        Recording(String name, Level lowest) {
            this.name = name;
            this.lowest = lowest;
        }

        private boolean enabled(Level level) {
            return level.toInt() >= lowest.toInt();
        }

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments, Throwable failure) {
            lines.add(new Line(level, MessageFormatter.basicArrayFormat(pattern, arguments), failure));
        }
    }

    private static String printed(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    @Test
    void aLineHidesTheSecretsInWhatItRepeats() {
        Recording written = new Recording("io.gfsload.executor.LoadExecutor", Level.INFO);
        Logger log = HiddenLogs.hiding(written);

        log.warn("Loading {} failed: {}", "s3a://AKIAX:" + SECRET + "@bucket/t/part-0",
                "403 Forbidden: GET /t/part-0?X-Amz-Security-Token=" + SECRET + "&X-Amz-Expires=300");
        log.info("Connecting to jdbc:mysql://db:3306/hive?user=hive&password=" + SECRET);

        assertEquals(List.of(
                new Line(Level.WARN, "Loading s3a://<hidden>@bucket/t/part-0 failed: 403 Forbidden: GET /t/part-0?X-Amz-Security-Token=<hidden>&X-Amz-Expires=300", null),
                new Line(Level.INFO, "Connecting to jdbc:mysql://db:3306/hive?user=hive&password=<hidden>", null)), written.lines);
        assertEquals("io.gfsload.executor.LoadExecutor", log.getName());
    }

    @Test
    void aLineWithoutSecretsIsWrittenAsItWasFormattedOnce() {
        Recording written = new Recording("x", Level.TRACE);
        Logger log = HiddenLogs.hiding(written);

        log.info("Loaded {} of {}", 3, "/data/t/dt=1/part-0");
        // a {} in an argument stays: the formatted line is not formatted again
        log.debug("{}", "a {} b");
        log.trace("Done");

        assertEquals(List.of(new Line(Level.INFO, "Loaded 3 of /data/t/dt=1/part-0", null), new Line(Level.DEBUG, "a {} b", null),
                new Line(Level.TRACE, "Done", null)), written.lines);
    }

    @Test
    void aFailureIsPrintedWithItsSecretsAndThoseOfItsCausesHidden() {
        Recording written = new Recording("x", Level.INFO);
        Logger log = HiddenLogs.hiding(written);
        IOException failure = new IOException("Cannot read s3a://AKIAX:" + SECRET + "@bucket/t/part-0",
                new IllegalStateException("fs.s3a.secret.key=" + SECRET));

        log.error("Reading {} failed", "part-0", failure);

        assertEquals(1, written.lines.size(), written.lines.toString());
        Line line = written.lines.get(0);
        assertEquals("Reading part-0 failed", line.text());
        String printed = printed(line.failure());
        assertFalse(printed.contains(SECRET), printed);
        assertTrue(printed.startsWith("java.io.IOException: Cannot read s3a://<hidden>@bucket/t/part-0\n"), printed);
        assertTrue(printed.contains("Caused by: java.lang.IllegalStateException: fs.s3a.secret.key=<hidden>\n"), printed);
        assertTrue(printed.contains("at " + TestHiddenLogs.class.getName() + ".aFailureIsPrintedWithItsSecretsAndThoseOfItsCausesHidden("),
                "printed with its stack trace: " + printed);

        IOException plain = new IOException("Connection reset");
        log.warn("Retrying", plain);
        assertSame(plain, written.lines.get(1).failure(), "a failure without secrets is printed as it is");
    }

    @Test
    void aLineOfTheFluentApiHidesEachKeyValuePairOnItsOwn() {
        Recording written = new Recording("x", Level.INFO);
        Logger log = HiddenLogs.hiding(written);
        IOException failure = new IOException("refused: password=" + SECRET);

        log.atWarn().addKeyValue("fs.s3a.session.token", SECRET).addKeyValue("job", "j1").setCause(failure).log("Renewing {} failed", "the area");
        log.atDebug().addKeyValue("fs.s3a.session.token", SECRET).log("below the level");

        assertEquals(1, written.lines.size(), written.lines.toString());
        Line line = written.lines.get(0);
        assertEquals(new Line(Level.WARN, "fs.s3a.session.token=<hidden> job=j1 Renewing the area failed", line.failure()), line);
        assertTrue(printed(line.failure()).startsWith("java.io.IOException: refused: password=<hidden>\n"), printed(line.failure()));

        // a failure after the arguments is the line's, hidden as one given with setCause
        log.atWarn().log("Reading {} failed", "part-0", failure);
        Line last = written.lines.get(1);
        assertEquals("Reading part-0 failed", last.text());
        assertTrue(printed(last.failure()).startsWith("java.io.IOException: refused: password=<hidden>\n"), printed(last.failure()));
    }

    @Test
    void aFailureThatIsItsOwnCauseIsPrintedHidden() {
        Recording written = new Recording("x", Level.INFO);
        Logger log = HiddenLogs.hiding(written);
        IOException selfCaused = new IOException("Cannot read s3a://AKIAX:" + SECRET + "@bucket/x") {
            @Override
            public synchronized Throwable getCause() {
                return this;
            }
        };

        log.error("Reading failed", selfCaused);

        String printed = printed(written.lines.get(0).failure());
        assertTrue(printed.contains("Cannot read s3a://<hidden>@bucket/x"), printed);
        assertFalse(printed.contains(SECRET), printed);
    }

    @Test
    void aLineWhoseSecretsCannotBeHiddenIsLeftOutAndTheCallReturns() {
        Recording written = new Recording("io.gfsload.Example", Level.INFO);
        Logger log = HiddenLogs.hiding(written);
        IOException unreadable = new IOException("password=" + SECRET) {
            @Override
            public StackTraceElement[] getStackTrace() {
                throw new IllegalStateException("no stack trace");
            }
        };

        log.warn("Reading {} failed", "part-0", unreadable);

        assertEquals(List.of(new Line(Level.WARN,
                "A line of io.gfsload.Example was left out: hiding the secrets in it failed (java.lang.IllegalStateException)", null)), written.lines);
    }

    @Test
    void aLineBelowTheLoggersLevelIsNeitherFormattedNorWritten() {
        Recording written = new Recording("x", Level.WARN);
        Logger log = HiddenLogs.hiding(written);
        Object failsWhenFormatted = new Object() {
            @Override
            public String toString() {
                throw new AssertionError("formatted below the level");
            }
        };

        log.info("Loaded {}", failsWhenFormatted);
        log.debug("Read {}", failsWhenFormatted);

        assertFalse(log.isInfoEnabled());
        assertTrue(log.isWarnEnabled());
        assertEquals(List.of(), written.lines);
    }

    @Test
    void theProviderGivesEachNameOneHidingLoggerOfTheLoggingOnTheClasspath() {
        HiddenLogs provider = new HiddenLogs();
        provider.initialize();

        Logger logger = provider.getLoggerFactory().getLogger("io.gfsload.cli.Example");

        assertEquals("io.gfsload.cli.Example", logger.getName());
        assertSame(logger, provider.getLoggerFactory().getLogger("io.gfsload.cli.Example"));
        assertNotSame(logger, provider.getLoggerFactory().getLogger("io.gfsload.cli.Other"));
        assertEquals("HidingLogger", logger.getClass().getSimpleName());
        // slf4j-simple, the distribution's logging, is the one it writes with
        assertEquals("org.slf4j.simple.SimpleServiceProvider", provider.logging().getClass().getName());
    }

    @Test
    void theServersACommandStartsLogAsItDoes() {
        List<String> command = ServerProcesses.javaCommand("-Dgfsload.server=worker-1", List.of("-Xmx256m"), "io.example.Main", List.of("--port", "0"),
                Optional.of("/opt/gfsload/bin/logging.properties"));

        int classpath = command.indexOf("-cp");
        assertTrue(classpath > 0, command.toString());
        for (String option : List.of("-Dslf4j.provider=io.gfsload.cli.HiddenLogs", "-Dslf4j.internal.verbosity=WARN",
                "-Djava.util.logging.config.file=/opt/gfsload/bin/logging.properties")) {
            assertTrue(command.indexOf(option) > 0 && command.indexOf(option) < classpath, option + " in " + command);
        }
        List<String> withoutJulConfig = ServerProcesses.javaCommand("-Dgfsload.server=worker-1", List.of(), "io.example.Main", List.of(), Optional.empty());
        assertTrue(withoutJulConfig.stream().noneMatch(option -> option.startsWith("-Djava.util.logging.config.file=")), withoutJulConfig.toString());
    }
}
