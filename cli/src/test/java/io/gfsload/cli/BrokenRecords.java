package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Data directories under one parent, each holding a process record ({@code cluster.json},
 * {@code metastore.json}) that the commands cannot use, with what their message says is wrong
 * with it ({@link ProcessRecordFile}).
 */
final class BrokenRecords {
    private final Path parent;
    private final String fileName;
    private final Map<Path, String> reasons = new LinkedHashMap<>();

    BrokenRecords(Path parent, String fileName) {
        this.parent = requireNonNull(parent, "parent is null");
        this.fileName = requireNonNull(fileName, "fileName is null");
    }

    /**
     * The records that are no JSON a command can read: {@code cutShort} (a record cut short as it
     * was written, a full disk; its content is not repeated), which ends at {@code column} of line
     * 1, garbage bytes, a blank file, and a directory in place of the file (which cannot be read
     * whoever runs the command, root too).
     */
    BrokenRecords unreadable(String cutShort, int column) throws IOException {
        with("truncated", cutShort, "is not valid JSON (line 1, column %d)".formatted(column));
        Files.write(file("garbage"), new byte[] {0, 1, 2, (byte) 0xff, 'x'});
        reasons.put(parent.resolve("garbage"), "is not valid JSON (line 1, column 2)");
        with("empty", "\n", "is empty");
        Files.createDirectories(file("directory"));
        reasons.put(parent.resolve("directory"), "cannot be read (is a directory)");
        return this;
    }

    /** A record in directory {@code name} with {@code content}, of which the message says {@code reason}. */
    BrokenRecords with(String name, String content, String reason) throws IOException {
        Files.writeString(file(name), content);
        reasons.put(parent.resolve(name), reason);
        return this;
    }

    /** Each data directory, in the order added, with what is wrong with its record. */
    Map<Path, String> reasons() {
        return reasons;
    }

    private Path file(String name) throws IOException {
        return Files.createDirectories(parent.resolve(name)).resolve(fileName);
    }
}
