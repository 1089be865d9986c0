package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a process runs, beyond what {@link ProcessHandle#isAlive()} tells: a process that has
 * exited but that its parent has not reaped yet (a zombie) is alive to it. In a container whose
 * PID 1 never reaps, a killed process stays a zombie for good. On Linux, {@code /proc/<pid>/stat}
 * tells its state; elsewhere only {@link ProcessHandle#isAlive()} is known.
 */
final class ProcessStates {
    private ProcessStates() {}

    /**
     * Whether the process runs: alive, and not a zombie. Alive is asked again after the look at
     * its state: a zombie reaped in between has no state left to read, and is gone.
     */
    static boolean isRunning(ProcessHandle handle) {
        requireNonNull(handle, "handle is null");
        return handle.isAlive() && !hasExited(handle.pid()) && handle.isAlive();
    }

    /**
     * Whether {@code /proc/<pid>/stat} says that the process has exited and waits to be reaped
     * (state {@code Z}, or {@code X} while it is being reaped); false where the file cannot be read.
     */
    static boolean hasExited(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        }
        catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone; ProcessHandle knows the latter
            return false;
        }
        return state(stat).map(state -> state == 'Z' || state == 'X').orElse(false);
    }

    /**
     * The state of a {@code /proc/<pid>/stat} line ({@code 1234 (java) S 1 ...}): the field after
     * the command name, which may itself hold spaces and parentheses, so the last {@code )} ends it.
     */
    static Optional<Character> state(String stat) {
        requireNonNull(stat, "stat is null");
        int end = stat.lastIndexOf(')');
        if (end < 0 || end + 2 >= stat.length() || stat.charAt(end + 1) != ' ') {
            return Optional.empty();
        }
        return Optional.of(stat.charAt(end + 2));
    }
}
