package io.gfsload.cli;

import io.gfsload.cache.api.CacheAuthenticationException;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.UriCredentials;
import io.gfsload.catalog.CatalogException;
import io.gfsload.catalog.InvalidInputException;
import io.gfsload.catalog.NoSuchPartitionException;
import io.gfsload.catalog.NoSuchTableException;
import io.gfsload.catalog.Secrets;
import io.gfsload.catalog.thrift.SiteFiles;
import io.gfsload.executor.InsufficientCapacityException;
import io.gfsload.executor.JournalException;
import io.gfsload.planner.InvalidRequestException;
import io.gfsload.planner.NoSuchLocationException;
import io.gfsload.planner.NoSuchPathException;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code gfsload} command line. */
public final class GfsLoad {
    /** Added to a failure that says Hadoop has no file system for a scheme. */
    static final String CONNECTOR_HINT = " (put the file system's connector and its SDK on GFSLOAD_CLASSPATH, "
            + "its settings in $HADOOP_CONF_DIR/core-site.xml; see the README)";

    /** What Java 24 and later (and 23 without {@code -Djava.security.manager=allow}) answer Hadoop 3.3's {@code Subject.getSubject}. */
    private static final String GET_SUBJECT_REFUSED = "getSubject is not supported";

    private GfsLoad() {}

    public static void main(String[] args) {
        // before the first logger: the command's log lines, and its libraries', hide secrets
        HiddenLogs.useUnlessChosen();
        // an interrupted command's --json says 130 or 143, as it exits
        Signals.note();
        Optional<Path> logFile = pathProperty(CommandLog.PROPERTY);
        int code = createCommandLine(CliEnvironment.fromSystem(System.getenv(), System.getProperty("user.home"))).execute(args);
        if (code == ExitCode.USAGE) {
            // bad usage or input found before any work: no empty log left behind for it
            logFile.ifPresent(file -> CommandLog.discardIfEmpty(file, pathProperty(CommandLog.CREATED_PROPERTY)));
        }
        System.exit(code);
    }

    /** The path the system property {@code name} holds; empty when it is not set or blank. */
    private static Optional<Path> pathProperty(String name) {
        return Optional.ofNullable(System.getProperty(name)).filter(value -> !value.isBlank()).map(Path::of);
    }

    /** The command line with its subcommands; failures become one-line messages and exit codes. */
    public static CommandLine createCommandLine(CliEnvironment environment) {
        CommandLine commandLine = new CommandLine(new GfsLoadCommand(environment));
        commandLine.addSubcommand("distributedLoad", new CommandLine(new DistributedLoadCommand(environment)));
        commandLine.addSubcommand("plan", new CommandLine(new PlanCommand(environment)));
        commandLine.addSubcommand("tune", new CommandLine(new TuneCommand(environment)));
        commandLine.addSubcommand("status", new CommandLine(new StatusCommand(environment)));
        commandLine.addSubcommand("free", new CommandLine(new FreeCommand(environment)));
        if (environment.slices().isEmpty()) {
            // a Spark job's driver runs wherever the cluster manager puts it: the processes these start belong on a machine of their own
            commandLine.addSubcommand("cluster", new CommandLine(new ClusterCommand(environment)));
            commandLine.addSubcommand("metastore", new CommandLine(new MetastoreCommand(environment)));
        }
        // an option the command lacks is no value of the option before it ("status --path D --active-jobs 2"
        // read the path --active-jobs); set after the subcommands are added, which it reaches then, but for
        // the servers' --java-option, whose values are options of java (--java-option -Xmx4g)
        commandLine.setUnmatchedOptionsAllowedAsOptionParameters(false);
        Stream.of("cluster", "metastore").map(commandLine.getSubcommands()::get).filter(Objects::nonNull)
                .forEach(servers -> servers.setUnmatchedOptionsAllowedAsOptionParameters(true));
        // a file or directory of this machine given as a URI with credentials: refused without repeating them
        // (after the subcommands are added: a converter reaches the commands the line has when it is registered)
        commandLine.registerConverter(Path.class, LocalPaths::path);
        commandLine.registerConverter(File.class, LocalPaths::file);
        // a Spark job has no embedded cluster or metastore to fall back on: its help says what it needs instead
        environment.slices().ifPresent(slices -> commandLine.setResourceBundle(new SparkJobHelp()));
        // a stdout that says why a write failed (a full disk): the command then does not exit 0
        commandLine.setOut(StandardOutput.open());
        // A bad flag or value: one line, as every other failure (and picocli's suggestions for a
        // misspelt option), not the whole usage, which would bury the message in a scheduler's log.
        commandLine.setParameterExceptionHandler((exception, args) -> {
            CommandLine failed = exception.getCommandLine();
            PrintWriter err = failed.getErr();
            Optional<String> notInSparkJob = sparkJobWithoutCommand(exception, environment);
            String message = notInSparkJob.orElseGet(() -> message(exception));
            err.println("gfsload: " + message);
            if (notInSparkJob.isEmpty()) {
                // a command the job has not is no misspelling: picocli's nearest names (status, free) would mislead
                CommandLine.UnmatchedArgumentException.printSuggestions(exception, err);
            }
            usageHint(exception, environment.slices().isPresent() ? SparkJobHelp.INVOCATION : "gfsload").forEach(err::println);
            err.flush();
            if (failed.getParseResult() == null || !failed.getParseResult().hasSubcommand()) {
                // not "gfsload --report F status", whose --report belongs to no command that runs; the
                // parse stopped at the bad value: a --report after it is in the arguments only
                List<String> arguments = CommandArguments.of(failed);
                PlanningOptions.of(failed.getCommandSpec()).ifPresent(planning -> {
                    planning.reportFromArguments(arguments);
                    planning.writeFailureReport(environment.home(), ExitCode.USAGE, message, err);
                    planning.releaseReport();
                });
                JsonOutput.of(failed.getCommandSpec()).ifPresent(output -> {
                    output.jsonFromArguments(arguments);
                    output.printFailure(failed.getOut(), ExitCode.USAGE, message);
                });
            }
            return outputChecked(failed, ExitCode.USAGE);
        });
        // Hadoop and Hive read their site files lazily, deep inside the first file system or
        // metastore call, where a malformed one is a stack trace; checked first, it is bad input.
        commandLine.setExecutionStrategy(parseResult -> {
            Integer help = CommandLine.executeHelpRequest(parseResult);
            if (help != null) {
                return outputChecked(parseResult.commandSpec().commandLine(), help);
            }
            if (parseResult.hasSubcommand() && !parseResult.matchedOptions().isEmpty()) {
                // "gfsload --report F status": the options of the table load, which the subcommand would ignore
                throw new CommandLine.ParameterException(parseResult.commandSpec().commandLine(), "%s before the subcommand %s: "
                        .formatted(String.join(", ", parseResult.matchedOptions().stream().map(option -> option.longestName()).distinct().toList()),
                                parseResult.subcommand().commandSpec().name())
                        + "a subcommand's options go after it");
            }
            try {
                SiteFiles.checkClasspath(Thread.currentThread().getContextClassLoader());
            }
            catch (InvalidInputException e) {
                throw new CommandLine.ExecutionException(parseResult.commandSpec().commandLine(), e.getMessage(), e);
            }
            int code;
            try {
                code = new CommandLine.RunLast().execute(parseResult);
            }
            catch (Error e) {
                // the JVM's (a class missing from the class path, the heap exhausted): a failure as any
                // other, one line, exit 4 and the FAILED report, the stack trace in the log; not exit 1
                List<CommandLine> commands = parseResult.asCommandLineList();
                throw new CommandLine.ExecutionException(commands.get(commands.size() - 1), unexpected(e), e);
            }
            // done with --report (a failure's report, written after this, claims it again)
            releaseReport(parseResult);
            return outputChecked(parseResult.commandSpec().commandLine(), code);
        });
        commandLine.setExecutionExceptionHandler((exception, failed, parseResult) -> {
            int code = exitCode(exception);
            if (code == ExitCode.FAILED && !(exception instanceof CacheException || exception instanceof CatalogException)) {
                // the log has the stack trace, the messages in it never with credentials, passwords or secret settings' values
                LoggerFactory.getLogger(GfsLoad.class).error("gfsload failed", UriCredentials.hiddenIn(exception, Secrets::hiddenIn));
            }
            String message = message(exception) + (exception instanceof NoSuchPartitionException
                    ? TableSelectionOptions.of(failed.getCommandSpec()).flatMap(TableSelectionOptions::blanksAroundValueHint).map(hint -> "; " + hint).orElse("")
                    : "");
            failed.getErr().println("gfsload: " + message);
            failed.getErr().flush();
            // a failure before the report: --report must not keep an earlier run's
            PlanningOptions.of(failed.getCommandSpec()).ifPresent(planning -> {
                planning.writeFailureReport(environment.home(), code, message, failed.getErr());
                planning.releaseReport();
            });
            // and with --json, stdout says so too: a consumer parses it whatever the outcome
            JsonOutput.of(failed.getCommandSpec()).ifPresent(output -> output.printFailure(failed.getOut(), code, message));
            return outputChecked(failed, code);
        });
        return commandLine;
    }

    /** Gives up the claims on {@code --report} of the commands {@code parseResult} ran. */
    private static void releaseReport(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult result = parseResult; result != null; result = result.subcommand()) {
            PlanningOptions.of(result.commandSpec()).ifPresent(PlanningOptions::releaseReport);
        }
    }

    /**
     * What follows the message of a command line that is not one of the command's forms (an
     * unknown option or subcommand, a missing option or parameter): where the forms are, {@code
     * Try 'gfsload --help' for the options and commands.}, and for {@code gfsload} without {@code
     * --table} (the message says that it misses {@code --table}) or with {@code --path} (an option
     * of {@code plan}, {@code status} and {@code free}, not of a load), its two main forms first: not
     * for another mistake, such as an option without its value, whether {@code --table} was given
     * or not. A bad value needs no more than its message, which says what is expected; nor do the
     * first line, which scripts and {@code --report} have, change.
     */
    static List<String> usageHint(CommandLine.ParameterException exception, String invocation) {
        if (!(exception instanceof CommandLine.UnmatchedArgumentException || exception instanceof CommandLine.MissingParameterException)) {
            return List.of();
        }
        CommandLine failed = exception.getCommandLine();
        // the command's name, gfsload, stands for how it is run: a Spark job's help is the job's
        String command = invocation + failed.getCommandSpec().qualifiedName().substring(failed.getCommandSpec().root().name().length());
        String hint = "Try '%s --help' for %s.".formatted(command,
                failed.getSubcommands().isEmpty() ? "its options" : failed.getParent() == null ? "the options and commands" : "its commands");
        boolean pathsAsOption = exception instanceof CommandLine.UnmatchedArgumentException unmatched
                && unmatched.getUnmatched().stream().anyMatch(argument -> argument.equals("--path") || argument.startsWith("--path="));
        if (failed.getParent() == null && (exception instanceof CommandLine.MissingParameterException missing && missesTable(missing) || pathsAsOption)) {
            return List.of("To load a table: %s --table DB.TABLE [--partition K=V]...; to load paths: %s distributedLoad PATH...".formatted(invocation, invocation),
                    hint);
        }
        return List.of(hint);
    }

    /** Whether {@code exception} is for the option {@code --table}, which the command line does not have. */
    private static boolean missesTable(CommandLine.MissingParameterException exception) {
        return exception.getMissing().stream()
                .anyMatch(argument -> argument instanceof CommandLine.Model.OptionSpec option && option.longestName().equals("--table"));
    }

    /**
     * What a Spark job given {@code cluster ...} or {@code metastore ...} says, which it has not (see
     * {@link #createCommandLine}): where the command is; empty for any other failure.
     */
    private static Optional<String> sparkJobWithoutCommand(CommandLine.ParameterException exception, CliEnvironment environment) {
        if (environment.slices().isEmpty() || !(exception instanceof CommandLine.UnmatchedArgumentException unmatched)
                || unmatched.getCommandLine().getParent() != null) {
            return Optional.empty();
        }
        List<String> arguments = unmatched.getUnmatched();
        if (arguments.isEmpty() || !List.of("cluster", "metastore").contains(arguments.get(0))) {
            return Optional.empty();
        }
        String command = arguments.size() > 1 && !arguments.get(1).startsWith("-") ? arguments.get(0) + " " + arguments.get(1) : arguments.get(0);
        return Optional.of("'%s' is a command of the gfsload command line, not of its Spark job: run 'gfsload %s' on a machine of its own"
                .formatted(arguments.get(0), UriCredentials.hiddenIn(command)));
    }

    /**
     * The failure of a command group ({@code gfsload cluster}, {@code gfsload metastore}) run without
     * one of its subcommands: a command line that is none of the group's forms, as an unknown option
     * is. Thrown from the group's {@code call()}, it ends as every usage error does: {@code
     * Missing required subcommand: start, status or stop}, then {@code Try 'gfsload cluster --help'
     * for its commands.}, exit 2.
     */
    static CommandLine.ParameterException missingSubcommand(CommandSpec group) {
        List<String> names = List.copyOf(group.subcommands().keySet());
        String choices = names.size() == 1 ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        return new CommandLine.MissingParameterException(group.commandLine(), List.of(), "Missing required subcommand: " + choices);
    }

    /**
     * {@code code}, the command's exit code, given what became of its stdout: when what it printed
     * there was lost (a full disk, an I/O error), stderr says so and a command that would exit 0
     * exits 4, so that a scheduler does not take a lost report for a good one (a run that failed
     * keeps its code). A reader that went away ({@code | head -1}) changes nothing: the load is
     * not failed by it.
     */
    private static int outputChecked(CommandLine command, int code) {
        Optional<String> failure = StandardOutput.failure(command.getOut());
        if (failure.isEmpty()) {
            return code;
        }
        command.getErr().println("gfsload: Cannot write to stdout: %s; what the command printed there is lost or incomplete".formatted(failure.get()));
        command.getErr().flush();
        return exitCodeGiven(code, failure);
    }

    /**
     * The code a command that would exit {@code code} exits with, given what became of what it
     * printed on {@code out} so far, as {@link #outputChecked} decides it, without saying so: for
     * a report written before the command exits.
     */
    static int exitCodeGiven(PrintWriter out, int code) {
        return exitCodeGiven(code, StandardOutput.failure(out));
    }

    private static int exitCodeGiven(int code, Optional<String> outputFailure) {
        return outputFailure.isPresent() && code == ExitCode.OK ? ExitCode.FAILED : code;
    }

    static int exitCode(Throwable exception) {
        if (exception instanceof NoSuchTableException || exception instanceof NoSuchPartitionException || exception instanceof NoSuchPathException
                || exception instanceof NoSuchLocationException) {
            return ExitCode.NOT_FOUND;
        }
        if (exception instanceof InvalidInputException || exception instanceof InvalidRequestException) {
            return ExitCode.USAGE;
        }
        if (exception instanceof InsufficientCapacityException) {
            return ExitCode.NO_CAPACITY;
        }
        if (exception instanceof CacheAuthenticationException) {
            // no token, or the wrong one: the command's configuration
            return ExitCode.USAGE;
        }
        if (exception instanceof JournalException && (exception.getCause() instanceof AccessDeniedException
                || exception.getCause() instanceof FileAlreadyExistsException || exception.getCause() instanceof NotDirectoryException)) {
            // $GFSLOAD_HOME/jobs that the user cannot write, or a file where a directory goes: the
            // machine's setup, which a retry cannot change (a full disk may be freed: that stays 4)
            return ExitCode.USAGE;
        }
        if (missingConnector(exception)) {
            // the installation's configuration: running the same command again cannot help
            return ExitCode.USAGE;
        }
        if (refusesGetSubject(exception)) {
            // the Java the command runs on (a Spark job's driver: bin/gfsload refuses such a Java before it runs)
            return ExitCode.USAGE;
        }
        return ExitCode.FAILED;
    }

    /** The one line a command that fails for {@code exception} prints on stderr, after {@code gfsload: }, and its report's {@code error}. */
    static String message(Throwable exception) {
        // a value the command could not take is repeated as it was given, and a failure's text may come from
        // elsewhere (Hadoop, the metastore): never with a URI's credentials, a JDBC URL's password or a secret setting's value
        return ReportPrinter.shown(unhidden(exception));
    }

    private static String unhidden(Throwable exception) {
        if (exception instanceof MasterUnavailableException master) {
            // reachable when the command started: the call's gRPC status would say less
            return "The cache master at %s stopped answering".formatted(master.masterTarget());
        }
        String message = exception.getMessage();
        message = message == null || message.isBlank() ? exception.getClass().getSimpleName() : message;
        if (exception instanceof CacheAuthenticationException) {
            return message.replace(" (UNAUTHENTICATED)", "") + "; give the cluster's token with --token-file FILE (or GFSLOAD_TOKEN_FILE)";
        }
        if (refusesGetSubject(exception)) {
            String java = "Java %s cannot run Hadoop 3.3 (%s): it needs Java 17 to 23 (23 with -Djava.security.manager=allow; "
                    .formatted(javaVersion(), GET_SUBJECT_REFUSED) + "a Spark job's driver and executors Java 17 or 21); set JAVA_HOME to such a JDK";
            String own = message.endsWith(": " + GET_SUBJECT_REFUSED) ? message.substring(0, message.length() - GET_SUBJECT_REFUSED.length() - 2) : message;
            return own.equals(GET_SUBJECT_REFUSED) ? java : own + ": " + java;
        }
        return missingConnector(exception) ? message + CONNECTOR_HINT : message;
    }

    /** This JVM's version as {@code java -version} names it, {@code 25.0.3}. */
    static String javaVersion() {
        return String.join(".", Runtime.version().version().stream().map(String::valueOf).toList());
    }

    /** Whether {@code exception} is the JVM's refusal of {@code Subject.getSubject}, which Hadoop 3.3 calls at its first file system call. */
    private static boolean refusesGetSubject(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnsupportedOperationException && GET_SUBJECT_REFUSED.equals(cause.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** What a command that fails for an error of the JVM's says: the error, and for an exhausted heap, how to give it more. */
    private static String unexpected(Error error) {
        String message = error.getMessage() == null || error.getMessage().isBlank() ? "" : ": " + error.getMessage();
        return "Unexpected %s%s%s".formatted(error.getClass().getSimpleName(), message, error instanceof OutOfMemoryError
                ? "; give the JVM more memory (GFSLOAD_JAVA_OPTS=-Xmx8g, or --driver-memory for a Spark job's driver)"
                : "");
    }

    /** Whether {@code exception} says that Hadoop has no file system for a scheme, or cannot load its class. */
    private static boolean missingConnector(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof UnsupportedFileSystemException || message.contains("No FileSystem for scheme")
                    || (cause instanceof ClassNotFoundException || message.startsWith("java.lang.ClassNotFoundException"))
                    && message.contains("FileSystem")) {
                return true;
            }
        }
        return false;
    }
}
