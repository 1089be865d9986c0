package io.gfsload.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks the module's layering on its sources: the api names no implementation or transport, and
 * library code never writes to the terminal.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/io/gfsload/cache");
    private static final Pattern IMPORT = Pattern.compile("^import (static )?([\\w.]+)", Pattern.MULTILINE);

    @Test
    void theApiDependsOnlyOnTheJdk() {
        List<String> violations = sources(MAIN.resolve("api")).flatMap(file -> imports(file).stream()
                        .filter(name -> !name.startsWith("java.") && !name.startsWith("io.gfsload.cache.api."))
                        .map(name -> file.getFileName() + " imports " + name))
                .toList();
        assertEquals(List.of(), violations);
    }

    @Test
    void onlyTheLocalClusterSeesEveryPart() {
        List<String> violations = sources(MAIN).flatMap(file -> imports(file).stream()
                        .filter(name -> name.startsWith("io.gfsload.cache.local.") && !inPackage(file, "local"))
                        .map(name -> file.getFileName() + " imports " + name))
                .toList();
        assertEquals(List.of(), violations);
    }

    @Test
    void nothingDependsOnTheProcessEntryPoint() {
        List<String> violations = sources(MAIN).flatMap(file -> imports(file).stream()
                        .filter(name -> name.startsWith("io.gfsload.cache.server.") && !inPackage(file, "server"))
                        .map(name -> file.getFileName() + " imports " + name))
                .toList();
        assertEquals(List.of(), violations);
    }

    @Test
    void libraryCodeDoesNotPrint() {
        List<String> violations = sources(MAIN)
                .filter(file -> read(file).contains("System.out") || read(file).contains("System.err")
                        || read(file).contains("printStackTrace"))
                .map(Path::toString)
                .toList();
        assertEquals(List.of(), violations);
    }

    private static boolean inPackage(Path file, String name) {
        return file.getParent().getFileName().toString().equals(name);
    }

    private static Stream<Path> sources(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(file -> file.toString().endsWith(".java")).toList().stream();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> imports(Path file) {
        Matcher matcher = IMPORT.matcher(read(file));
        List<String> names = new ArrayList<>();
        while (matcher.find()) {
            names.add(matcher.group(2));
        }
        return names;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
