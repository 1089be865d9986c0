package io.gfsload.spark;

import static java.util.Objects.requireNonNull;

import io.gfsload.cli.HiddenLogs;
import java.beans.PropertyChangeListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.impl.Log4jContextFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.spi.LoggerContextFactory;
import org.apache.logging.log4j.util.SortedArrayStringMap;
import org.slf4j.LoggerFactory;

/**
 * The logging of a Spark job's driver and executors (Spark's log4j 2) with the secrets of every
 * line hidden, as the command's own logging hides them ({@link HiddenLogs#hiddenLine}, {@link
 * HiddenLogs#hiddenFailure}): gfsload's lines, which repeat what a store said of a failed file,
 * and those of the libraries the job runs. Each appender of the logging's configuration gets the
 * lines through one that hides their secrets first, and so does each appender of a later
 * configuration (Spark configures its logging when it first logs, and a user may reconfigure it).
 *
 * <p>Lines logged before {@link #install} are not hidden: the driver installs it as its
 * {@code main} starts, an executor as Spark starts its plugins ({@link HiddenLogsPlugin}). A
 * logging other than log4j 2's core is left as it is.
 */
final class HiddenSparkLogs {
    private static final Set<LoggerContext> WATCHED = Collections.newSetFromMap(new IdentityHashMap<>());

    private HiddenSparkLogs() {}

    /**
     * Hides the secrets of the lines of every log4j 2 logging context of this JVM from now on;
     * whether there was one to hide them in (false when log4j 2's core is not the logging).
     */
    static synchronized boolean install() {
        try {
            Class.forName("org.apache.logging.log4j.core.LoggerContext", false, HiddenSparkLogs.class.getClassLoader());
        }
        catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        return Log4j.installAll();
    }

    /**
     * {@link #install}, or a warning that the lines are not hidden when that fails: a process of
     * the job (the driver, an executor) never fails for it.
     */
    static void installOrWarn() {
        try {
            install();
        }
        catch (RuntimeException | LinkageError e) {
            LoggerFactory.getLogger(HiddenSparkLogs.class).warn("The secrets of this process's log lines are not hidden: hiding them failed ({})",
                    e.getClass().getName());
        }
    }

    /** What needs log4j 2's core: loaded only once it is known to be there. */
    private static final class Log4j {
        static boolean installAll() {
            List<LoggerContext> contexts = new ArrayList<>();
            LoggerContextFactory factory = LogManager.getFactory();
            if (factory instanceof Log4jContextFactory log4j) {
                contexts.addAll(log4j.getSelector().getLoggerContexts());
            }
            if (LogManager.getContext(false) instanceof LoggerContext current && !contexts.contains(current)) {
                contexts.add(current);
            }
            contexts.forEach(HiddenSparkLogs::install);
            return !contexts.isEmpty();
        }
    }

    /** Hides the secrets of {@code context}'s lines, in its configuration and in each one it is given later. */
    static synchronized void install(LoggerContext context) {
        requireNonNull(context, "context is null");
        if (WATCHED.add(context)) {
            PropertyChangeListener reconfigured = event -> {
                if (LoggerContext.PROPERTY_CONFIG.equals(event.getPropertyName()) && event.getNewValue() instanceof Configuration) {
                    hide(context);
                }
            };
            context.addPropertyChangeListener(reconfigured);
        }
        hide(context);
    }

    /** Puts a {@link HidingAppender} before each appender of {@code context}'s configuration that has none yet. */
    private static synchronized void hide(LoggerContext context) {
        Configuration configuration = context.getConfiguration();
        List<LoggerConfig> loggers = new ArrayList<>(configuration.getLoggers().values());
        if (!loggers.contains(configuration.getRootLogger())) {
            loggers.add(configuration.getRootLogger());
        }
        Map<Appender, HidingAppender> hiding = new IdentityHashMap<>();
        boolean changed = false;
        for (LoggerConfig logger : loggers) {
            for (Map.Entry<String, Appender> entry : logger.getAppenders().entrySet()) {
                if (entry.getValue() instanceof HidingAppender) {
                    continue;
                }
                AppenderRef ref = logger.getAppenderRefs().stream().filter(r -> r.getRef().equals(entry.getKey())).findFirst().orElse(null);
                HidingAppender appender = hiding.computeIfAbsent(entry.getValue(), HidingAppender::new);
                logger.removeAppender(entry.getKey());
                logger.addAppender(appender, ref == null ? null : ref.getLevel(), ref == null ? null : ref.getFilter());
                changed = true;
            }
        }
        if (changed) {
            context.updateLoggers();
        }
    }

    /** Hands another appender each line with its secrets hidden, and its failure's. */
    static final class HidingAppender extends AbstractAppender {
        private final Appender shown;

        HidingAppender(Appender shown) {
            super(requireNonNull(shown, "shown is null").getName(), null, null, shown.ignoreExceptions(), Property.EMPTY_ARRAY);
            this.shown = shown;
            start();
        }

        @Override
        public void append(LogEvent event) {
            shown.append(hidden(event));
        }

        /** {@code event} with its secrets hidden; a line whose secrets cannot be hidden is left out, naming its logger. */
        static LogEvent hidden(LogEvent event) {
            String line;
            Throwable failure;
            try {
                line = HiddenLogs.hiddenLine(event.getMessage().getFormattedMessage());
                failure = event.getThrown() == null ? null : HiddenLogs.hiddenFailure(event.getThrown());
            }
            catch (RuntimeException | LinkageError e) {
                line = "A line of " + event.getLoggerName() + " was left out: hiding the secrets in it failed (" + e.getClass().getName() + ")";
                failure = null;
            }
            return new Log4jLogEvent.Builder(event)
                    .setMessage(new SimpleMessage(line))
                    .setThrown(failure)
                    .setThrownProxy(null)
                    // a copy: a reused event's data changes with the next line
                    .setContextData(new SortedArrayStringMap(event.getContextData()))
                    .build();
        }
    }
}
