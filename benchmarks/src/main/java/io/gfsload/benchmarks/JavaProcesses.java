package io.gfsload.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines for JVMs the benchmarks start: the same Java and class path as this one. */
final class JavaProcesses {
    private JavaProcesses() {}

    /** {@code java OPTIONS -cp <this class path>}, ready for a main class and its arguments. */
    static List<String> java(String... options) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(options));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        return command;
    }
}
