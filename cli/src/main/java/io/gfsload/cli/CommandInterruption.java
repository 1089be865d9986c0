package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.executor.JvmShutdown;
import java.io.PrintWriter;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What {@code status}, {@code free} and {@code tune} say when SIGINT or SIGTERM ends them (exit 130
 * or 143) before they print their output: a shutdown hook, held from {@link #start} to
 * {@link #close}, prints one line on stderr, the last, saying what was interrupted and how far it
 * came, and with {@code --json} the FAILED document on stdout with that line as its {@code error}
 * and the code the command exits with, as a command that fails before its output prints it.
 * After {@link #close} the command prints its output only when no signal came
 * ({@link #ended}).
 *
 * <p>Thread-safe: the command's thread says where it is (in what {@code line} reads), the hook reads it.
 */
final class CommandInterruption implements AutoCloseable {
    private final PrintWriter out;
    private final PrintWriter err;
    private final JsonOutput output;
    /** The line, without {@code gfsload: }, that says what was interrupted, as it is when the signal comes. */
    private final Supplier<String> line;
    private final Thread hook = new Thread(this::interrupted, "gfsload-interrupted");
    /** Stops the display of the plan's progress, once the command plans. */
    private volatile Runnable stopProgress = () -> {};

    private CommandInterruption(CommandSpec command, JsonOutput output, Supplier<String> line) {
        this.out = command.commandLine().getOut();
        this.err = command.commandLine().getErr();
        this.output = requireNonNull(output, "output is null");
        this.line = requireNonNull(line, "line is null");
    }

    /** Says, when the JVM ends before {@link #close}, what {@code line} then says, on {@code command}'s stderr (and stdout with {@code output}'s {@code --json}). */
    static CommandInterruption start(CommandSpec command, JsonOutput output, Supplier<String> line) {
        CommandInterruption interruption = new CommandInterruption(command, output, line);
        Runtime.getRuntime().addShutdownHook(interruption.hook);
        return interruption;
    }

    /** The command plans: {@code stopProgress} stops the display of its progress, so that the line is on a line of its own. */
    void planning(Runnable stopProgress) {
        this.stopProgress = requireNonNull(stopProgress, "stopProgress is null");
    }

    /** No line from here on: the command prints its output, unless {@link #ended}. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (IllegalStateException e) {
            // the JVM is ending: the hook runs
        }
    }

    /** Whether the JVM is ending (SIGINT or SIGTERM came): the hook said so, and the command prints nothing more. */
    static boolean ended() {
        return JvmShutdown.inProgress();
    }

    /** What the hook does: says what was interrupted, on the last line of stderr, and with {@code --json} on stdout. */
    void interrupted() {
        stopProgress.run();
        String message = line.get();
        err.println("gfsload: " + message);
        err.flush();
        // the JVM exits 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM
        output.printInterrupted(out, Signals.exitCode().orElse(143), message);
    }
}
