package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.catalog.Secrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The JSON file in which {@code gfsload cluster} and {@code gfsload metastore} record the server
 * processes they start in a data directory ({@code cluster.json}, {@code metastore.json}), read back
 * by their {@code start}, {@code status} and {@code stop}.
 *
 * <p>A record that cannot be used (cut short as it was written, not JSON, not a file, a field
 * missing) is the data directory's state, not the command line's usage: {@link #read} throws
 * {@link BrokenRecordException}, whose message names the file and what is wrong with it, without
 * repeating its content (the words of a damaged file say nothing, and may be anything), and says
 * what the user can do; the commands exit 4 with it.
 *
 * @param <T> the record's type, a Jackson-bound Java record
 */
final class ProcessRecordFile<T> {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private final String fileName;
    private final Class<T> type;
    private final Subject subject;
    private final Function<? super T, Optional<String>> missingField;

    /**
     * A time a record holds ({@code stoppedAt}, to the nanosecond) as messages show it: in UTC, to
     * the second ({@code 2026-11-23T00:39:19Z}); a value that is not a time, as it is.
     */
    static String shownTime(String recorded) {
        requireNonNull(recorded, "recorded is null");
        try {
            return Instant.parse(recorded).truncatedTo(ChronoUnit.SECONDS).toString();
        }
        catch (DateTimeParseException e) {
            return recorded;
        }
    }

    /**
     * @param fileName the file's name in the data directory
     * @param subject what the processes are
     * @param missingField the first field a record read lacks that the commands need, if any
     *     ({@code master.config}); the record is bound with such fields null or 0
     */
    ProcessRecordFile(String fileName, Class<T> type, Subject subject, Function<? super T, Optional<String>> missingField) {
        this.fileName = requireNonNull(fileName, "fileName is null");
        this.type = requireNonNull(type, "type is null");
        this.subject = requireNonNull(subject, "subject is null");
        this.missingField = requireNonNull(missingField, "missingField is null");
    }

    /** What a record file's processes are: they name its messages and what a user does with one that cannot be used. */
    enum Subject {
        /** A master and its workers, whose stores in the data directory go with the record. */
        CACHE_CLUSTER("cache cluster"),
        /** One metastore process, whose database in the data directory is its own, kept without the record. */
        METASTORE("metastore");

        private final String service;

        Subject(String service) {
            this.service = service;
        }
    }

    Path file(Path directory) {
        return directory.resolve(fileName);
    }

    /**
     * The record in {@code directory}; empty when there is no record file, as where nothing was
     * started.
     *
     * @throws BrokenRecordException when the file cannot be read, is empty, is not JSON or is not a
     *     record of {@code T} (a field unknown, of the wrong type or missing)
     */
    Optional<T> read(Path directory) {
        Path file = file(directory);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        }
        catch (IOException e) {
            throw broken(directory, "cannot be read (" + FileErrors.reason(e, file) + ")", e);
        }
        if (new String(content, StandardCharsets.UTF_8).isBlank()) {
            throw broken(directory, "is empty", null);
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(content);
        }
        catch (IOException e) {
            // a file cut short (a full disk as it was written), or not JSON at all
            JsonLocation location = e instanceof JsonProcessingException json ? json.getLocation() : null;
            throw broken(directory, "is not valid JSON" + (location == null ? ""
                    : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")"), e);
        }
        String notARecord = "is not the record of a " + subject.service;
        T record;
        try {
            record = JSON.treeToValue(tree, type);
        }
        catch (JsonProcessingException e) {
            List<JsonMappingException.Reference> path = e instanceof JsonMappingException mapping ? mapping.getPath() : List.of();
            String field = path.stream().map(reference -> reference.getFieldName() != null ? "." + reference.getFieldName()
                    : "[" + reference.getIndex() + "]").collect(Collectors.joining()).replaceFirst("^\\.", "");
            if (e instanceof ValueInstantiationException) {
                throw broken(directory, notARecord + " (" + (field.isEmpty() ? "its fields" : "its field " + field)
                        + " cannot make one)", e);
            }
            throw broken(directory, field.isEmpty() ? notARecord + " (not a JSON object of its fields)"
                    : notARecord + " (its field " + field + (e instanceof UnrecognizedPropertyException ? " is unknown)"
                            : " has a value of the wrong type)"), e);
        }
        if (record == null) {
            // the JSON null
            throw broken(directory, notARecord + " (not a JSON object of its fields)", null);
        }
        Optional<String> missing = missingField.apply(record);
        if (missing.isPresent()) {
            throw broken(directory, notARecord + " (it has no " + missing.get() + ")", null);
        }
        return Optional.of(record);
    }

    /**
     * Writes {@code record} to the file in {@code directory}, replacing it at once: a reader sees
     * the old record or the new. A record that holds a secret ({@link Secrets#hiddenIn}: a JVM
     * option {@code -Dfs.cosn.userinfo.secretKey=...}, kept to start the same processes again) is
     * readable by its owner only from its creation on (on POSIX file systems), as the processes'
     * properties files with the cluster's token are; another gets the default permissions.
     */
    void write(Path directory, T record) throws IOException {
        requireNonNull(record, "record is null");
        Path file = file(directory);
        Path temp = directory.resolve(fileName + ".tmp");
        String json = JSON.writeValueAsString(record);
        Files.deleteIfExists(temp);
        if (!Secrets.hiddenIn(json).equals(json)) {
            try {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            catch (UnsupportedOperationException e) {
                // not a POSIX file system; the directory's permissions have to do
            }
        }
        Files.writeString(temp, json, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private BrokenRecordException broken(Path directory, String what, Throwable cause) {
        Path file = file(directory);
        String advice = switch (subject) {
            case CACHE_CLUSTER -> "the record of its processes, " + what + ". Stop its processes by hand if any runs (their command lines name "
                    + directory + ": pgrep -af " + directory + "/), then remove " + directory + " to start a new cluster there";
            case METASTORE -> "the record of its process, " + what + ". Stop its process by hand if it runs (its command line names "
                    + directory + ": pgrep -af " + directory + "/), then remove " + file + " to start it again there (its tables are kept)";
        };
        return new BrokenRecordException("Cannot use the " + subject.service + " in " + directory + ": " + file + ", " + advice
                + ", or start one in another directory with --data-dir", cause);
    }

    /**
     * A record file that cannot be used: not the command's usage but the data directory's state,
     * which the message says how to leave (exit 4).
     */
    static final class BrokenRecordException extends RuntimeException {
        BrokenRecordException(String message, Throwable cause) {
            super(requireNonNull(message, "message is null"), cause);
        }
    }
}
