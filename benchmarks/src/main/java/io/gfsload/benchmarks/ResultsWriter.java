package io.gfsload.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes benchmark results as {@code results.json} and {@code results.md}, and renders the Markdown. */
public final class ResultsWriter {
    public static final String JSON_FILE = "results.json";
    public static final String MARKDOWN_FILE = "results.md";

    private ResultsWriter() {}

    /**
     * Creates {@code directory} when missing and checks that files can be written into it, so that
     * a run that could not keep its results fails before it starts rather than after.
     *
     * @throws BenchmarkException when {@code directory} cannot be created or written into
     */
    public static void checkWritable(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.delete(Files.createTempFile(directory, ".results-", ".tmp"));
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot write the results into " + directory + ": " + e, e);
        }
    }

    /**
     * Writes both files into {@code directory}, creating it when missing.
     *
     * @throws BenchmarkException when they cannot be written
     */
    public static void write(BenchmarkResults results, Path directory) {
        try {
            Files.createDirectories(directory);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(directory.resolve(JSON_FILE).toFile(), results);
            Files.writeString(directory.resolve(MARKDOWN_FILE), markdown(results), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot write the results into " + directory + ": " + e, e);
        }
    }

    /** The results as Markdown: a header naming the machine, the table, then the details of each scenario. */
    public static String markdown(BenchmarkResults results) {
        StringBuilder md = new StringBuilder();
        MachineInfo machine = results.machine();
        md.append("## gfsload benchmarks: %s size, %d run%s per contender%n%n".formatted(results.size(), results.runs(), results.runs() == 1 ? "" : "s"));
        md.append("- date: %s%n".formatted(machine.date()));
        md.append("- machine: %s; JVM max heap %s; JVM options: %s%n".formatted(machine.describe(), Units.bytes(machine.maxHeapBytes()),
                machine.jvmOptions().isEmpty() ? "none" : String.join(" ", machine.jvmOptions())));
        md.append("- caches and copies in %s (%s); data sets in %s%n".formatted(results.memoryDir(), results.memoryDirType(), results.workDir()));
        md.append("- wall time %s, data generation included%n%n".formatted(Units.duration(results.wallSeconds())));
        md.append(table(results.scenarios()));
        md.append(System.lineSeparator())
                .append("A is gfsload as the user runs it, B its baseline; A/B = median MiB/s of A / median MiB/s of B (the same as the ratio of median files/s), ")
                .append("above 1 A is faster. Cells are median (min-max) over the runs; A and B ran interleaved, each load or copy from an empty cache or destination (P5 reads a cache warmed once).")
                .append(System.lineSeparator());
        for (ScenarioResult scenario : results.scenarios()) {
            md.append(details(scenario));
        }
        return md.toString();
    }

    /** The summary table alone, as {@link Bench} prints it. */
    public static String table(List<ScenarioResult> scenarios) {
        StringBuilder md = new StringBuilder();
        md.append("| scenario | data | A | A MiB/s | A files/s | B | B MiB/s | B files/s | A/B |%n".formatted());
        md.append("|---|---|---|--:|--:|---|--:|--:|--:|%n".formatted());
        for (ScenarioResult s : scenarios) {
            md.append("| %s %s | %s | %s | %s | %s | %s | %s | %s | **%s** |%n".formatted(s.id(), s.title(), s.data(),
                    s.candidate().name(), spread(s.candidate().mibPerSecond()), spread(s.candidate().filesPerSecond()),
                    s.baseline().name(), spread(s.baseline().mibPerSecond()), spread(s.baseline().filesPerSecond()),
                    String.format(Locale.ROOT, "%.2f", s.ratio())));
        }
        return md.toString();
    }

    private static String details(ScenarioResult s) {
        StringBuilder md = new StringBuilder();
        md.append("%n### %s: %s (%s, %s)%n%n%s%n%n".formatted(s.id(), s.title(), s.data(), Units.bytes(s.bytes()), s.description()));
        for (ContenderResult contender : List.of(s.candidate(), s.baseline())) {
            md.append("- **%s**: %s. Seconds per run: %s.%n".formatted(contender.name(), contender.description(),
                    contender.runs().stream().map(r -> Units.number(r.seconds())).collect(Collectors.joining(", "))));
            for (String setting : contender.settings()) {
                md.append("  - `%s`%n".formatted(setting));
            }
            Map<String, Long> counters = contender.runs().get(0).counters();
            if (!counters.isEmpty()) {
                md.append("  - run 1 counters: %s%n".formatted(counters.entrySet().stream()
                        .map(e -> "%s %,d".formatted(e.getKey(), e.getValue())).collect(Collectors.joining(", "))));
            }
        }
        s.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(metric -> md.append("- %s: %s%n".formatted(metric.getKey(), String.format(Locale.ROOT, "%.2f", metric.getValue()))));
        for (String note : s.notes()) {
            md.append("- %s%n".formatted(note));
        }
        return md.toString();
    }

    private static String spread(Summary summary) {
        return "%s (%s-%s)".formatted(Units.number(summary.median()), Units.number(summary.min()), Units.number(summary.max()));
    }
}
