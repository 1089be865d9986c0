package io.gfsload.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Log tails for failure messages. */
final class Logs {
    private Logs() {}

    /** The last {@code lines} lines of {@code log}, or a note saying why there are none. */
    static String tail(Path log, int lines) {
        try {
            // the server logs may hold bytes that are not UTF-8; never fail a failure message on them
            List<String> all = List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
        catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }
}
