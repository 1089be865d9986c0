package io.gfsload.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * One in-process run of the {@code gfsload} command line, as a user would type it, with what it
 * printed.
 *
 * @param exitCode the exit code
 * @param out what went to stdout
 * @param err what went to stderr
 */
record CliRun(int exitCode, String out, String err) {
    /** Runs {@code gfsload args...} with {@code home} as {@code $GFSLOAD_HOME}. */
    static CliRun gfsload(Path home, String... args) {
        return gfsload(new CliEnvironment(home), args);
    }

    static CliRun gfsload(CliEnvironment environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = GfsLoad.createCommandLine(environment);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
