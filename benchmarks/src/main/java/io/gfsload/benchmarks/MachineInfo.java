package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The machine a benchmark ran on, so that numbers are never quoted without it.
 *
 * @param cores online cores as {@code nproc} reports them (the JVM's count when nproc is missing)
 * @param jvmProcessors {@link Runtime#availableProcessors()}, what gfsload's advisor uses
 * @param cpuModel the first {@code model name} of /proc/cpuinfo, or {@code unknown}
 * @param memoryBytes {@code MemTotal} of /proc/meminfo, 0 when unknown
 * @param maxHeapBytes the benchmark JVM's maximum heap
 * @param jvmOptions the benchmark JVM's options that change how fast it runs (see {@link #performanceOptions}),
 *     from bin/jvm.options and BENCH_JAVA_OPTS, which gfsload, running in that JVM, runs with
 * @param java runtime name, version and vendor
 * @param os name, kernel version and architecture
 * @param date when the benchmark started, ISO-8601 with offset, to the second
 */
public record MachineInfo(int cores, int jvmProcessors, String cpuModel, long memoryBytes, long maxHeapBytes, List<String> jvmOptions,
        String java, String os, String date) {
    public MachineInfo {
        jvmOptions = List.copyOf(requireNonNull(jvmOptions, "jvmOptions is null"));
        requireNonNull(cpuModel, "cpuModel is null");
        requireNonNull(java, "java is null");
        requireNonNull(os, "os is null");
        requireNonNull(date, "date is null");
    }

    /**
     * The options of {@code arguments} that change how fast the JVM runs: {@code -X} options and
     * the JDK's NIO properties ({@code -Dsun.nio.*}, such as page-aligned direct buffers), not the
     * log settings the benchmark script passes.
     */
    static List<String> performanceOptions(List<String> arguments) {
        return arguments.stream().filter(option -> option.startsWith("-X") || option.startsWith("-Dsun.nio.")).toList();
    }

    /** Probes this machine: runs {@code nproc}, reads /proc/meminfo and /proc/cpuinfo. */
    static MachineInfo probe(Clock clock) {
        Runtime runtime = Runtime.getRuntime();
        return new MachineInfo(
                nproc().orElse(runtime.availableProcessors()),
                runtime.availableProcessors(),
                procValue(Path.of("/proc/cpuinfo"), "model name").orElse("unknown"),
                procValue(Path.of("/proc/meminfo"), "MemTotal").map(MachineInfo::kilobytes).orElse(0L),
                runtime.maxMemory(),
                performanceOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()),
                "%s %s (%s)".formatted(System.getProperty("java.runtime.name"), System.getProperty("java.runtime.version"), System.getProperty("java.vendor")),
                "%s %s %s".formatted(System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch")),
                OffsetDateTime.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** E.g. {@code 2 cores (Intel Xeon ...), 23.5 GiB RAM, OpenJDK 17.0.15, Linux 6.1}. */
    public String describe() {
        return "%d cores (%s), %s RAM, %s, %s".formatted(cores, cpuModel, Units.bytes(memoryBytes), java, os);
    }

    private static Optional<Integer> nproc() {
        try {
            Process process = new ProcessBuilder("nproc").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0) {
                return Optional.of(Integer.parseInt(out));
            }
            process.destroyForcibly();
            return Optional.empty();
        }
        catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The value after the first {@code key:} line of a /proc file. */
    private static Optional<String> procValue(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.stream()
                    .filter(line -> line.startsWith(key) && line.indexOf(':') > 0 && line.substring(0, line.indexOf(':')).trim().equals(key))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst();
        }
        catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code 24684092 kB} -> bytes. */
    private static long kilobytes(String value) {
        try {
            return Long.parseLong(value.replace("kB", "").trim()) * 1024;
        }
        catch (NumberFormatException e) {
            return 0;
        }
    }
}
