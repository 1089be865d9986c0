package io.gfsload.benchmarks;

import com.google.common.base.Ticker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The benchmark command: runs P1-P3, C1, C1-tcp, C1-socket and C1-ssd (and P4, P5, D1, D2 on demand), prints progress to stderr and the result table to stdout,
 * and writes {@code results.json} and {@code results.md}. Run it with {@code benchmarks/run.sh}.
 */
@Command(name = "benchmarks/run.sh",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Runs the gfsload benchmarks P1-P3, C1, C1-tcp, C1-socket and C1-ssd (P4, P5, D1, D2 when asked for), each gfsload contender interleaved with its baseline, and prints the table.")
public final class Bench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "reduced", paramLabel = "SIZE",
            description = "smoke, reduced or full (default: ${DEFAULT-VALUE}); see benchmarks/README.md.")
    Size size;

    @Option(names = "--runs", paramLabel = "N", description = "Runs per contender (default: 1 smoke, 5 reduced, 3 full).")
    Integer runs;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${env:GFSLOAD_BENCH_TARGET:-target}/bench-work",
            description = "Where data sets are generated and kept for the next run, and C1-ssd's caches and copies go (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--out-dir", paramLabel = "DIR", defaultValue = "${env:GFSLOAD_BENCH_TARGET:-target}/benchmarks",
            description = "Where results.json and results.md go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--memory-dir", paramLabel = "DIR",
            description = "Where caches and copies go (default: /dev/shm, the MEM tier, when it exists; else WORK-DIR/mem).")
    Path memoryDir;

    @Option(names = "--scenarios", split = ",", paramLabel = "ID", defaultValue = "P1,P2,P3,C1",
            description = "Scenarios to run: P1, P2, P3 (every P3), P3-small, P3-large, P3-adaptive, C1 (one worker's writes into its MEM tier over its domain socket; with C1-tcp, the same over loopback TCP, C1-socket, a plain socket's ceiling, and C1-ssd, into an SSD tier in WORK-DIR), C1-tcp, C1-socket, C1-ssd, P4 (planning at scale, on demand), P5 (P5 and P5-client), P5-client, D1 (pull against push onto 2 workers, replication 2: D1 on the throttled store, D1-local on local files; on demand), D1-local, D2 (pull against push of many small files onto 2 workers, replication 2; on demand) (default: ${DEFAULT-VALUE}).")
    List<String> scenarios;

    @Option(names = "--planner-jvm-option", paramLabel = "OPTION",
            description = "An extra option of P4's planning JVMs (repeatable), e.g. -XX:StartFlightRecording=filename=p4.jfr,settings=profile.")
    List<String> plannerJvmOptions = List.of();

    public static void main(String[] args) {
        System.exit(createCommandLine().execute(args));
    }

    /** The command line; failures become a one-line message on stderr and exit code 1. */
    public static CommandLine createCommandLine() {
        CommandLine commandLine = new CommandLine(new Bench());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler((exception, failed, parseResult) -> {
            failed.getErr().println("bench: " + (exception.getMessage() == null ? exception.toString() : exception.getMessage()));
            failed.getErr().flush();
            return 1;
        });
        return commandLine;
    }

    @Override
    public Integer call() {
        BenchmarkOptions options = new BenchmarkOptions(size, runs == null ? size.defaultRuns() : runs, workDir, outDir, Optional.ofNullable(memoryDir), scenarios,
                plannerJvmOptions);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        err.printf("gfsload benchmarks: %s size, %d run%s per contender, scenarios %s%n", options.size().label(), options.runs(),
                options.runs() == 1 ? "" : "s", String.join(",", options.scenarios()));
        err.flush();
        BenchmarkResults results = new BenchmarkHarness(options, Ticker.systemTicker(), Clock.systemDefaultZone(), new ProgressPrinter(err)).run();
        out.println();
        out.print(ResultsWriter.markdown(results));
        out.printf("%nResults: %s and %s%n", options.outputDir().resolve(ResultsWriter.JSON_FILE), options.outputDir().resolve(ResultsWriter.MARKDOWN_FILE));
        out.flush();
        return 0;
    }

    /** Prints one line per event to the given writer. */
    private static final class ProgressPrinter implements BenchmarkListener {
        private final PrintWriter err;

        ProgressPrinter(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void scenarioStarted(String id, String title, String data) {
            line("%s %s: %s", id, title, data);
        }

        @Override
        public void dataReady(String id, boolean generated, double seconds) {
            line("%s   data %s and read into the page cache in %s", id, generated ? "generated" : "reused", Units.duration(seconds));
        }

        @Override
        public void runFinished(String id, String contender, RunResult result) {
            line("%s   run %d %-28s %8s s %10s MiB/s %10s files/s", id, result.run(), contender, Units.number(result.seconds()),
                    Units.number(result.mibPerSecond()), Units.number(result.filesPerSecond()));
        }

        @Override
        public void scenarioFinished(ScenarioResult result) {
            line("%s   median %s / %s = %.2f", result.id(), result.candidate().name(), result.baseline().name(), result.ratio());
        }

        private void line(String format, Object... args) {
            err.println(String.format(Locale.ROOT, format, args));
            err.flush();
        }
    }
}
