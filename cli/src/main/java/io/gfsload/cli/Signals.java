package io.gfsload.cli;

import java.util.OptionalInt;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Which signal, SIGINT or SIGTERM, is ending the JVM: a shutdown hook that says so on stdout
 * (the FAILED document of {@code --json}) has the code the command exits with, 130 or 143. The
 * JVM's own handlers still end it, as before.
 */
final class Signals {
    /** The code the signal that came ends the JVM with, 128 + its number; 0 before one came. */
    private static volatile int exitCode;

    private Signals() {}

    /** Notes SIGINT and SIGTERM as they come, before the JVM's handlers end it; in {@code main} only, once. */
    static void note() {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal signal = new Signal(name);
            SignalHandler[] jvms = new SignalHandler[1];
            try {
                jvms[0] = Signal.handle(signal, came -> {
                    exitCode = 128 + came.getNumber();
                    SignalHandler jvm = jvms[0];
                    if (jvm != null && jvm != SignalHandler.SIG_DFL && jvm != SignalHandler.SIG_IGN) {
                        jvm.handle(came);
                    }
                    else {
                        Runtime.getRuntime().exit(128 + came.getNumber());
                    }
                });
                if (jvms[0] == SignalHandler.SIG_IGN) {
                    // ignored (a background job of a shell without job control): it stays so
                    Signal.handle(signal, SignalHandler.SIG_IGN);
                }
            }
            catch (IllegalArgumentException e) {
                // the JVM has no handler for it (-Xrs): the signal ends it without hooks, nothing to note
                LoggerFactory.getLogger(Signals.class).debug("Cannot note SIG{}", name, e);
            }
        }
    }

    /** The code the JVM exits with for the signal that is ending it; empty when none came (or it was not noted). */
    static OptionalInt exitCode() {
        int code = exitCode;
        return code == 0 ? OptionalInt.empty() : OptionalInt.of(code);
    }
}
