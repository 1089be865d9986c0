package io.gfsload.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Spark's logging (log4j 2) with the secrets of its lines hidden: a line, its failure and that
 * failure's cause, in the configuration the logging had and in one it is given later, on a
 * logging context of the test's own with its lines written to a string.
 */
class TestHiddenSparkLogs {
    private static final String TOKEN = "SessionTokenX";
    private static final String KEY = "SecretKeyY";
    private static final String LINE = "Loading s3a://bucket/t/part-1 failed: 403 Forbidden: GET /part-1?X-Amz-Security-Token=" + TOKEN
            + "&X-Amz-Expires=300";

    private LoggerContext context;

    @BeforeEach
    void start() {
        context = new LoggerContext("hidden-spark-logs-test");
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void aLineItsFailureAndItsCauseShowTheirSecretsHidden() {
        StringWriter written = new StringWriter();
        context.start(writingTo(written, "written"));
        Logger logger = context.getLogger("io.gfsload.executor.DistributedLoad");
        logger.warn(LINE);
        assertTrue(written.toString().contains(TOKEN), "the test's logging writes the line as it is: " + written);

        HiddenSparkLogs.install(context);
        HiddenSparkLogs.install(context);
        written.getBuffer().setLength(0);
        IOException failure = new IOException("Cannot read part-1 with fs.s3a.secret.key=" + KEY,
                new IllegalStateException("refused: X-Amz-Security-Token=" + TOKEN));
        logger.warn(LINE, failure);

        String log = written.toString();
        assertTrue(log.startsWith("WARN Loading s3a://bucket/t/part-1 failed: 403 Forbidden: GET /part-1?X-Amz-Security-Token=<hidden>&X-Amz-Expires=300"),
                log);
        assertTrue(log.contains("Cannot read part-1 with fs.s3a.secret.key=<hidden>"), "the failure's message: " + log);
        assertTrue(log.contains("Caused by: ") && log.contains("refused: X-Amz-Security-Token=<hidden>"), "its cause's: " + log);
        assertTrue(log.contains("at io.gfsload.spark.TestHiddenSparkLogs"), "the stack trace is kept: " + log);
        assertFalse(log.contains(TOKEN) || log.contains(KEY), log);
        assertEquals(1, log.lines().filter(line -> line.startsWith("WARN ")).count(), "installed twice, written once: " + log);
    }

    @Test
    void aConfigurationGivenLaterHidesTheSecretsToo() {
        context.start(writingTo(new StringWriter(), "first"));
        HiddenSparkLogs.install(context);

        // as Spark configures its logging when it first logs, with its defaults
        StringWriter written = new StringWriter();
        context.setConfiguration(writingTo(written, "second"));
        context.getLogger("org.apache.hadoop.fs.s3a.S3AFileSystem").info(LINE);

        assertTrue(written.toString().contains("X-Amz-Security-Token=<hidden>&X-Amz-Expires=300"), written.toString());
        assertFalse(written.toString().contains(TOKEN), written.toString());
    }

    @Test
    void aLoggerWithAppendersOfItsOwnHidesTheirLinesAtTheirLevels() {
        StringWriter written = new StringWriter();
        Configuration configuration = writingTo(written, "root");
        StringWriter own = new StringWriter();
        WriterAppender appender = writer(own, "own", configuration);
        // as a configuration file has it (logger.gfsload.appenderRef.own.level = WARN), and as the configuration sets it up
        AppenderRef ref = AppenderRef.createAppenderRef("own", Level.WARN, null);
        LoggerConfig logger = LoggerConfig.newBuilder().withLoggerName("io.gfsload").withLevel(Level.INFO).withAdditivity(false)
                .withRefs(new AppenderRef[] {ref}).withConfig(configuration).build();
        logger.addAppender(appender, ref.getLevel(), ref.getFilter());
        configuration.addLogger("io.gfsload", logger);
        context.start(configuration);
        HiddenSparkLogs.install(context);

        context.getLogger("io.gfsload.cli.LoadRunner").info("below the appender's level: X-Amz-Security-Token=" + TOKEN);
        context.getLogger("io.gfsload.cli.LoadRunner").warn(LINE);

        assertEquals("WARN " + LINE.replace(TOKEN, "<hidden>") + System.lineSeparator(), own.toString());
        assertEquals("", written.toString(), "the logger does not pass its lines on to the root's appenders");
    }

    /** A configuration whose root logs INFO and above to {@code written} only. */
    private static Configuration writingTo(StringWriter written, String name) {
        Configuration configuration = new DefaultConfiguration();
        LoggerConfig root = configuration.getRootLogger();
        root.getAppenders().keySet().forEach(root::removeAppender);
        root.addAppender(writer(written, name, configuration), null, null);
        root.setLevel(Level.INFO);
        return configuration;
    }

    private static WriterAppender writer(StringWriter written, String name, Configuration configuration) {
        WriterAppender appender = WriterAppender.newBuilder()
                .setName(name)
                .setTarget(written)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %m%n%ex").withConfiguration(configuration).build())
                .build();
        appender.start();
        configuration.addAppender(appender);
        return appender;
    }
}
