package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.UriCredentials;
import io.gfsload.catalog.Secrets;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOP_FallbackServiceProvider;
import org.slf4j.helpers.Reporter;
import org.slf4j.spi.LoggingEventAware;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The logging of gfsload's processes: every log line, of gfsload and of the libraries it runs
 * (Hadoop, the metastore client, gRPC), with the secrets in it hidden as a report hides those
 * in the errors it repeats ({@link ReportPrinter#shown}: a URL's keys, the value of a setting
 * that names a secret), its failure's message and those of its causes too; then written by the
 * logging on the classpath (slf4j-simple in the distribution), as that has it configured.
 *
 * <p>An SLF4J provider that is not registered as a service (two would be ambiguous to SLF4J): the
 * command ({@link #useUnlessChosen}) and the servers it starts ({@link #JAVA_OPTIONS}) name it in
 * {@value #PROVIDER_PROPERTY} before anything logs.
 */
public final class HiddenLogs implements SLF4JServiceProvider {
    /** The system property that names SLF4J's provider. */
    static final String PROVIDER_PROPERTY = "slf4j.provider";
    /** The system property of SLF4J's own messages: it says at INFO which provider a property named. */
    static final String SLF4J_VERBOSITY_PROPERTY = "slf4j.internal.verbosity";
    /** The options of a JVM whose logging hides secrets: a server's that {@code gfsload} starts. */
    static final List<String> JAVA_OPTIONS = List.of(
            "-D" + PROVIDER_PROPERTY + "=" + HiddenLogs.class.getName(), "-D" + SLF4J_VERBOSITY_PROPERTY + "=WARN");

    private final SLF4JServiceProvider logging;
    private volatile ILoggerFactory loggers;

    /**
     * Called by SLF4J, which names its provider's class in a system property: the lines go to
     * the first other provider on the classpath, or nowhere when there is none.
     */
    public HiddenLogs() {
        logging = ServiceLoader.load(SLF4JServiceProvider.class, HiddenLogs.class.getClassLoader()).stream()
                .filter(provider -> provider.type() != HiddenLogs.class)
                .findFirst()
                .<SLF4JServiceProvider>map(ServiceLoader.Provider::get)
                .orElseGet(() -> {
                    Reporter.warn("No SLF4J provider beside " + HiddenLogs.class.getName() + " on the class path: logging nothing");
                    return new NOP_FallbackServiceProvider();
                });
    }

    /**
     * Names this provider as SLF4J's, unless a provider is named already, so that the logging of
     * this JVM hides secrets; only the first logger SLF4J gives out sees it: call it before any.
     */
    static void useUnlessChosen() {
        if (System.getProperty(PROVIDER_PROPERTY) == null) {
            System.setProperty(PROVIDER_PROPERTY, HiddenLogs.class.getName());
            if (System.getProperty(SLF4J_VERBOSITY_PROPERTY) == null) {
                System.setProperty(SLF4J_VERBOSITY_PROPERTY, "WARN");
            }
        }
    }

    @Override
    public void initialize() {
        logging.initialize();
        ILoggerFactory shown = logging.getLoggerFactory();
        ConcurrentMap<String, Logger> made = new ConcurrentHashMap<>();
        loggers = name -> made.computeIfAbsent(name, key -> new HidingLogger(shown.getLogger(key)));
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return logging.getMarkerFactory();
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return logging.getMDCAdapter();
    }

    /** The provider whose logging writes the lines. */
    SLF4JServiceProvider logging() {
        return logging;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    /**
     * {@code line}, a log line as formatted, with its secrets hidden as every line of gfsload's
     * logging has them ({@link ReportPrinter#shown}): for a logging other than SLF4J's, as a Spark
     * job's log4j 2.
     */
    public static String hiddenLine(String line) {
        return ReportPrinter.shown(line);
    }

    /** A copy of {@code failure} whose messages, and its causes' and suppressed failures', have their secrets hidden. */
    public static Throwable hiddenFailure(Throwable failure) {
        return UriCredentials.hiddenIn(failure, Secrets::hiddenIn);
    }

    /** {@code logger}'s lines with the secrets in them hidden. */
    static Logger hiding(Logger logger) {
        return new HidingLogger(logger);
    }

    /** A logger that formats a line, hides the secrets in it and in its failure, and has {@code logger} write it. */
    private static final class HidingLogger extends LegacyAbstractLogger implements LoggingEventAware {
        private static final long serialVersionUID = 1L;

        private final transient Logger logger;

        HidingLogger(Logger logger) {
            this.logger = requireNonNull(logger, "logger is null");
            this.name = logger.getName();
        }

        @Override
        public boolean isTraceEnabled() {
            return logger.isTraceEnabled();
        }

        @Override
        public boolean isDebugEnabled() {
            return logger.isDebugEnabled();
        }

        @Override
        public boolean isInfoEnabled() {
            return logger.isInfoEnabled();
        }

        @Override
        public boolean isWarnEnabled() {
            return logger.isWarnEnabled();
        }

        @Override
        public boolean isErrorEnabled() {
            return logger.isErrorEnabled();
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments, Throwable failure) {
            write(level, marker, List.of(), pattern, arguments, failure);
        }

        /**
         * A line of the fluent API ({@code atWarn().addKeyValue(k, v).log(...)}), and one SLF4J kept
         * while it started and gives now: each key-value pair hidden on its own, then the line.
         */
        @Override
        public void log(LoggingEvent event) {
            if (!isEnabledForLevel(event.getLevel())) {
                return;
            }
            Object[] arguments = event.getArgumentArray();
            Throwable failure = event.getThrowable();
            Throwable lastArgument = failure == null ? MessageFormatter.getThrowableCandidate(arguments) : null;
            if (lastArgument != null) {
                // log("... {}", x, failure): the failure is the line's, not an argument
                failure = lastArgument;
                arguments = MessageFormatter.trimmedCopy(arguments);
            }
            List<Marker> markers = event.getMarkers();
            List<KeyValuePair> pairs = event.getKeyValuePairs();
            write(event.getLevel(), markers == null || markers.isEmpty() ? null : markers.get(0), pairs == null ? List.of() : pairs,
                    event.getMessage(), arguments, failure);
        }

        private void write(Level level, Marker marker, List<KeyValuePair> pairs, String pattern, Object[] arguments, Throwable failure) {
            String line;
            Throwable shown;
            try {
                StringBuilder text = new StringBuilder();
                for (KeyValuePair pair : pairs) {
                    // on its own: a secret's value is hidden to the end of its text, which would take the line with it
                    text.append(hiddenLine(pair.key + "=" + pair.value)).append(' ');
                }
                line = text.append(hiddenLine(String.valueOf(MessageFormatter.basicArrayFormat(pattern, arguments)))).toString();
                shown = failure == null ? null : hiddenFailure(failure);
            }
            catch (RuntimeException | LinkageError e) {
                // a line whose secrets cannot be hidden is not written as it is; a log call never fails for it
                line = "A line of " + name + " was left out: hiding the secrets in it failed (" + e.getClass().getName() + ")";
                shown = null;
            }
            // the line as it is: the (String, Throwable) methods format nothing in it
            switch (level) {
                case ERROR -> logger.error(marker, line, shown);
                case WARN -> logger.warn(marker, line, shown);
                case INFO -> logger.info(marker, line, shown);
                case DEBUG -> logger.debug(marker, line, shown);
                case TRACE -> logger.trace(marker, line, shown);
            }
        }
    }
}
