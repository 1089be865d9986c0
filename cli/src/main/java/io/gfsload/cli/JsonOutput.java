package io.gfsload.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --json}: a command's output as one JSON document on stdout, whatever the outcome. */
public class JsonOutput {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--json", description = "Print the report as JSON instead of a summary, with exitCode, the command's exit code (a plan's and a status's also "
            + "with error, the reason printed on stderr when the plan is refused, else null); "
            + "a run that fails before its report prints a FAILED one with the exit code and the error instead.")
    boolean json;

    /** Whether stdout has the command's output (report, plan, status or settings) or its FAILED document. */
    private boolean printed;

    /** Whether stdout was claimed by the command's output or by an interruption that ended it. */
    private boolean claimed;

    /**
     * Records that the command prints its own output: a failure after it prints no second one.
     *
     * @return false when SIGINT or SIGTERM ended the command first ({@link #printInterrupted}, from
     *     its hook's thread): the command must print nothing more
     */
    synchronized boolean printing() {
        if (claimed) {
            return false;
        }
        claimed = true;
        printed = true;
        return true;
    }

    /**
     * As {@link #printFailure}, for a command that SIGINT or SIGTERM ends (from its hook's thread):
     * unless the command prints its output already, it prints none after this, with or without
     * {@code --json}.
     */
    void printInterrupted(PrintWriter out, int exitCode, String error) {
        synchronized (this) {
            if (claimed) {
                return;
            }
            claimed = true;
        }
        printFailure(out, exitCode, error);
    }

    /** Whether the FAILED document is to be printed now: the first to ask wins stdout. */
    private synchronized boolean claimForFailure() {
        if (!json || printed) {
            return false;
        }
        printed = true;
        return true;
    }

    /**
     * With {@code --json}, prints on {@code out} the report of a command that failed before it
     * printed its own, as {@code --report} gets it ({@link #failureJson}), so that stdout is one
     * JSON document whatever the outcome; nothing without {@code --json} or once the command
     * printed its output.
     */
    void printFailure(PrintWriter out, int exitCode, String error) {
        if (claimForFailure()) {
            out.println(failureJson(exitCode, error));
            out.flush();
        }
    }

    /** Takes {@code --json} from {@code arguments}, the command's raw arguments, when a parse that failed stopped before it. */
    void jsonFromArguments(List<String> arguments) {
        json |= CommandArguments.flag(arguments, "--json");
    }

    /**
     * The report of a command that failed before it had one:
     * {@code {"state": "FAILED", "exitCode": N, "error": "..."}}, {@code error} being the one line
     * the command printed on stderr.
     */
    static String failureJson(int exitCode, String error) {
        Map<String, Object> failure = new LinkedHashMap<>();
        failure.put("state", "FAILED");
        failure.put("exitCode", exitCode);
        failure.put("error", error);
        return write(failure);
    }

    /** {@code value} as indented JSON. */
    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the output as JSON", e);
        }
    }

    /** The JSON output of {@code command}, when it has {@code --json}. */
    static Optional<JsonOutput> of(CommandSpec command) {
        return command.mixins().values().stream().map(CommandSpec::userObject)
                .filter(JsonOutput.class::isInstance).map(JsonOutput.class::cast).findFirst();
    }
}
