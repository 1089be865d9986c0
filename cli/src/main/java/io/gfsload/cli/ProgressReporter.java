package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.executor.FileReport;
import io.gfsload.executor.JvmShutdown;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadedBytes;
import io.gfsload.executor.LoadWindow;
import io.gfsload.executor.PartitionReport;
import io.gfsload.executor.ProgressListener;
import io.gfsload.executor.SliceProgress;
import io.gfsload.executor.WindowPause;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DefaultProgressBarRenderer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;

/**
 * Shows a load's progress: a progress bar on a terminal (bytes, rate, ETA, files and failures),
 * or one JSON object per line at most once a second and at the end, for logs and schedulers.
 * The bytes move as a block's data is written, before the block is finished: they are the
 * blocks loaded plus the bytes written of the blocks being written, and an attempt at a block
 * that fails takes its bytes back, so that its retry does not count them twice. Files count
 * when they finish.
 * Outside the load window the bar says why it stands still, and the JSON lines have a {@code
 * paused} line when the window closes, a {@code resumed} line when it opens, and the {@code
 * state} {@code waiting} (for the window, before the first read), {@code paused} or {@code
 * loading}; the last line, {@code finished}, has the outcome instead: {@code succeeded}, {@code
 * partial} or {@code failed}. While the cache master does not answer, a {@code waitingForMaster}
 * line comes each second (the bar says so too), so that a stalled load is not silent. A file
 * that fails has a {@code fileFailed} line at once, with its path and error, as the report has them
 * (a failure decided as the load ends, before the {@code finished} line), up to
 * {@link #MAX_FILE_FAILED_LINES} of them.
 * Thread-safe: the executor's threads call it.
 */
final class ProgressReporter implements ProgressListener, AutoCloseable {
    /** Set by {@code bin/gfsload}: whether stderr is a terminal. */
    static final String STDERR_TERMINAL = "gfsload.stderr.terminal";

    /** How progress is shown. */
    enum Mode {
        AUTO, BAR, JSON, NONE
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The most {@code fileFailed} lines a load writes: the report lists every failed file. */
    static final int MAX_FILE_FAILED_LINES = 1_000;
    /**
     * A unit of the bar, its bytes and its speed per second: the largest of B, KiB and MiB that
     * the bytes to load hold at least once, so that a load under 1 MiB does not show {@code 0/0 MiB}.
     */
    record BarUnit(String name, long bytes) {
        static final BarUnit MIB = new BarUnit(" MiB", 1L << 20);
        static final BarUnit KIB = new BarUnit(" KiB", 1L << 10);
        static final BarUnit BYTES = new BarUnit(" B", 1);

        static BarUnit of(long bytesToLoad) {
            return bytesToLoad >= MIB.bytes ? MIB : bytesToLoad >= KIB.bytes ? KIB : BYTES;
        }
    }

    /** The bar's speed: one decimal, a zero before the point ({@code 0.4}, not {@code .4}), a point whatever the machine's locale. */
    private static final String SPEED_FORMAT = "0.0";

    private final Mode mode;
    private final PrintWriter lines;
    private final PrintStream terminal;
    private final LongSupplier nanoTime;
    private final AtomicLong filesDone = new AtomicLong();
    /** The bytes of the blocks loaded, those written of the blocks being written, and the slices' counts. */
    private final AtomicLong bytesDone = new AtomicLong();
    private final LoadedBytes loaded = new LoadedBytes();
    /** What each slice of a distributed load that has not finished said last. */
    private final Map<Integer, SliceProgress> slices = new ConcurrentHashMap<>();
    /*
     * What finished slices said that their files, heard after, have not taken up yet. What a slice
     * said of an attempt at a block that then failed stays counted until the finished line, which
     * is the report's.
     */
    private final AtomicLong saidBytes = new AtomicLong();
    private final AtomicLong saidFiles = new AtomicLong();
    private final AtomicLong saidFailures = new AtomicLong();
    private final AtomicLong saidRetries = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    /** The files counted in {@link #failures} since a failure was said of them, each once. */
    private final Set<String> failed = ConcurrentHashMap.newKeySet();
    /** The {@code fileFailed} lines written; at most {@link #MAX_FILE_FAILED_LINES}. */
    private final AtomicInteger fileFailedLines = new AtomicInteger();
    private final AtomicLong retries = new AtomicLong();
    private volatile long files;
    private volatile long bytes;
    private volatile long startNanos;
    private volatile long lastLineNanos;
    /** The pause under way, or null while loading. */
    private volatile WindowPause pause;
    /** When the pause under way began, and the time of the pauses before it; guarded by this. */
    private long closedSinceNanos;
    private long closedNanos;
    /** What the last {@link #waitingForMaster} said, for the bar, and when (nanoTime); guarded by this. */
    private String masterWait;
    private long masterWaitNanos;
    /** The bar, when shown; set and closed under this object's lock, read without it. */
    private volatile ProgressBar bar;
    /** Whether the JVM is ending the load: nothing more is shown; guarded by this. */
    private boolean silenced;
    /** Whether the load started or a JSON line was written, and whether the {@code finished} one was; guarded by this. */
    private boolean begun;
    private boolean ended;

    /**
     * Whether stderr, where the progress goes, is a terminal: as {@code bin/gfsload} tells it
     * ({@code -Dgfsload.stderr.terminal}, from {@code [ -t 2 ]}), else whether the JVM has a
     * console (stdin and stdout on a terminal), the only check Java has.
     */
    static boolean stderrIsTerminal() {
        String told = System.getProperty(STDERR_TERMINAL);
        return told == null ? System.console() != null : Boolean.parseBoolean(told);
    }

    /**
     * @param mode {@link Mode#AUTO} picks the bar on a terminal and JSON lines elsewhere
     * @param onTerminal whether stderr is a terminal
     * @param lines where JSON lines go
     * @param terminal where the bar is drawn
     */
    ProgressReporter(Mode mode, boolean onTerminal, PrintWriter lines, PrintStream terminal, LongSupplier nanoTime) {
        this.mode = mode == Mode.AUTO ? (onTerminal ? Mode.BAR : Mode.JSON) : mode;
        this.lines = lines;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
    }

    Mode mode() {
        return mode;
    }

    /** The plan to load; again with a plan made when the load window opened, which replaces the first. */
    @Override
    public synchronized void started(LoadPlan plan) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        begun = true;
        files = plan.filesToLoad();
        bytes = plan.stats().bytesToLoad();
        startNanos = nanoTime.getAsLong();
        // a wait for the window before this start is not part of the load's time
        closedNanos = 0;
        lastLineNanos = startNanos;
        // nothing to read (every block cached, or only empty files): the line "Nothing to load: ..." says so, and a bar
        // of 0 bytes would say "Loading ? %"
        if (mode == Mode.BAR && !silenced && bytes > 0) {
            BarUnit unit = BarUnit.of(bytes);
            bar = new ProgressBarBuilder()
                    .setTaskName("Loading")
                    .setInitialMax(bytes)
                    .setUnit(unit.name(), unit.bytes())
                    .setStyle(ProgressBarStyle.ASCII)
                    .showSpeed()
                    .setRenderer(new Renderer(unit))
                    .setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(terminal))
                    .build();
        }
    }

    /** The bytes to load are those the load reads: what it adopts is neither read nor counted done ({@link #blockAdopted}). */
    @Override
    public synchronized void adopting(long blocks, long adoptedBytes) {
        bytes = Math.max(0, bytes - adoptedBytes);
        if (bar != null) {
            bar.maxHint(bytes);
        }
    }

    /**
     * Found cached by its slice since the plan: already cached, as the report counts it, so no
     * longer among the bytes (nor, found whole, the files) to load.
     */
    @Override
    public synchronized void foundCached(FileLoad file, int blocks, long foundBytes) {
        bytes = Math.max(0, bytes - foundBytes);
        if (blocks == file.blocks().stream().filter(block -> !block.cached()).count()) {
            files = Math.max(0, files - 1);
        }
        if (bar != null) {
            bar.maxHint(bytes);
        }
    }

    @Override
    public void blockBytesWritten(BlockTask block, int bytes) {
        advance(loaded.written(block, bytes));
    }

    /** The rest of the block counts, beyond the bytes already written of it (or said by its slice). */
    @Override
    public void blockLoaded(BlockTask block) {
        advance(uncovered(saidBytes, loaded.loaded(block)));
    }

    /** The bytes written of the block no longer count: a retry writes them again. */
    @Override
    public void blockAbandoned(BlockTask block) {
        long taken = loaded.abandoned(block);
        if (taken != 0) {
            advance(taken);
        }
    }

    /** The slice's counts replace what it said before. */
    @Override
    public void sliceProgress(int slice, SliceProgress progress) {
        // a slice's counts come one at a time: the distributed load hears them under one lock
        SliceProgress before = slices.put(slice, progress);
        if (before == null) {
            before = SliceProgress.NONE;
        }
        filesDone.addAndGet(progress.filesFinished() - before.filesFinished());
        failures.addAndGet(progress.filesFailed() - before.filesFailed());
        retries.addAndGet(progress.retries() - before.retries());
        advance(progress.bytesLoaded() - before.bytesLoaded());
    }

    /** What the finished slice said keeps counting until its files, heard next, have taken it up: the figures do not drop between the two. */
    @Override
    public void sliceFinished(int slice) {
        SliceProgress said = slices.remove(slice);
        if (said != null) {
            saidBytes.addAndGet(said.bytesLoaded());
            saidFiles.addAndGet(said.filesFinished());
            saidFailures.addAndGet(said.filesFailed());
            saidRetries.addAndGet(said.retries());
        }
    }

    /**
     * The part of {@code amount} that what finished slices said does not already count: each
     * positive amount takes up as much of {@code said} as it can.
     */
    private static long uncovered(AtomicLong said, long amount) {
        if (amount <= 0) {
            return amount;
        }
        long before = said.getAndUpdate(left -> Math.max(0, left - amount));
        return amount - Math.min(before, amount);
    }

    private void advance(long bytes) {
        bytesDone.addAndGet(bytes);
        ProgressBar shown = bar;
        if (shown != null) {
            shown.stepBy(bytes);
            shown.setExtraMessage(extra());
        }
        maybeLine();
    }

    @Override
    public void retrying(String path, int attempt, String error) {
        retries.addAndGet(uncovered(saidRetries, 1));
    }

    /**
     * A JSON line at once, not at most once a second: a log or a scheduler sees each failed file as
     * it fails. Its counts have the file among the failures.
     */
    @Override
    public void fileFailed(String path, String error) {
        if (failed.add(path)) {
            failures.addAndGet(uncovered(saidFailures, 1));
        }
        fileFailedLine(path, error);
    }

    /** The {@code fileFailed} line of {@code path}, unless {@link #MAX_FILE_FAILED_LINES} were written. */
    private void fileFailedLine(String path, String error) {
        if (mode != Mode.JSON || fileFailedLines.getAndIncrement() >= MAX_FILE_FAILED_LINES) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        // as the report shows them: secrets hidden
        fields.put("path", ReportPrinter.shownName(path));
        fields.put("error", error == null ? null : ReportPrinter.shown(error));
        line("fileFailed", fields);
    }

    @Override
    public void fileFinished(FileReport file) {
        if (!file.attempted()) {
            return;
        }
        filesDone.addAndGet(uncovered(saidFiles, 1));
        if (file.failed() && failed.add(file.path())) {
            failures.addAndGet(uncovered(saidFailures, 1));
        }
        ProgressBar shown = bar;
        if (shown != null) {
            shown.setExtraMessage(extra());
        }
        maybeLine();
    }

    /**
     * The last JSON line, {@code finished}, has the load's outcome as its state: {@code succeeded},
     * {@code partial} or {@code failed}, and an ETA of 0.
     */
    @Override
    public void finished(LoadReport report) {
        if (mode != Mode.JSON || JvmShutdown.inProgress()) {
            // SIGINT or SIGTERM ended the load: no outcome is told, as no summary or report is
            return;
        }
        Map<String, Object> outcome = new LinkedHashMap<>();
        if (report != null) {
            // the failures the load did not say as they happened (a Spark job's driver decides some after its slices): said now
            for (PartitionReport partition : report.partitions()) {
                for (FileReport file : partition.files()) {
                    if (file.failed() && failed.add(file.path())) {
                        fileFailedLine(file.path(), file.error());
                    }
                }
            }
            outcome.put("state", report.state().name().toLowerCase(Locale.ROOT));
            // the report's counts: it has the files a check after the load (--verify) failed too, only
            // the retries of the files it reports (not of those the end of the job cut short), and
            // none of a slice of a distributed load that did not finish
            failures.set(report.totals().filesFailed());
            retries.set(report.totals().retries());
            // what the load wrote, committed or not, as the progress counted it: not what it adopted
            bytesDone.set(report.bytesWritten());
            filesDone.set(report.partitions().stream().flatMap(partition -> partition.files().stream()).filter(FileReport::attempted).count());
            // the report's rate, over the load's time as the report measures it, so that the two agree
            outcome.put("bytesPerSecond", report.bytesPerSecond());
        }
        // nothing is left to wait for, whatever a partial load did not load
        outcome.put("etaSeconds", 0);
        synchronized (this) {
            writeLine("finished", outcome, nanoTime.getAsLong());
        }
    }

    /**
     * The load failed without a report of its own ({@code error}, the line the command prints on
     * stderr: the cache master stopped answering as the load started, the path or table was gone
     * when the load window opened): the last JSON line is still {@code finished}, its state {@code
     * failed}, with that {@code error}. Nothing when the load failed before it started (no line was
     * written) or after the {@code finished} line, nor once SIGINT or SIGTERM ends the load.
     */
    void failed(String error) {
        requireNonNull(error, "error is null");
        if (mode != Mode.JSON || JvmShutdown.inProgress()) {
            return;
        }
        synchronized (this) {
            if (!begun || ended) {
                return;
            }
            Map<String, Object> outcome = new LinkedHashMap<>();
            outcome.put("state", "failed");
            outcome.put("etaSeconds", 0);
            outcome.put("error", error);
            writeLine("finished", outcome, nanoTime.getAsLong());
        }
    }

    @Override
    public void windowClosed(WindowPause closed) {
        synchronized (this) {
            closedSinceNanos = nanoTime.getAsLong();
            pause = closed;
        }
        ProgressBar shown = bar;
        if (shown != null) {
            shown.setExtraMessage(extra());
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("window", closed.window().toString());
        fields.put("zone", closed.window().zone().getId());
        fields.put("opensAt", closed.opensAt().toString());
        fields.put("opensInSeconds", closed.opensIn().toSeconds());
        fields.put("message", closed.message());
        line("paused", fields);
    }

    @Override
    public void windowOpened(LoadWindow window, Duration closed) {
        synchronized (this) {
            closedNanos += nanoTime.getAsLong() - closedSinceNanos;
            pause = null;
        }
        ProgressBar shown = bar;
        if (shown != null) {
            shown.setExtraMessage(extra());
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("window", window.toString());
        fields.put("pausedSeconds", closed.toSeconds());
        line("resumed", fields);
    }

    /**
     * A JSON line {@code waitingForMaster} with the master, how long it has been silent and the
     * silence at which the load gives it up ({@code silentSeconds}, {@code limitSeconds}); the bar
     * says it while the calls last.
     */
    @Override
    public void waitingForMaster(MasterSilence silence) {
        String message = "waiting for the cache master at %s, silent for %d s (the load stops at %d s)".formatted(silence.masterTarget(),
                silence.silentFor().toSeconds(), silence.limit().toSeconds());
        synchronized (this) {
            masterWait = message;
            masterWaitNanos = nanoTime.getAsLong();
        }
        ProgressBar shown = bar;
        if (shown != null) {
            shown.setExtraMessage(extra());
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("master", silence.masterTarget());
        fields.put("silentSeconds", silence.silentFor().toSeconds());
        fields.put("limitSeconds", silence.limit().toSeconds());
        fields.put("message", message);
        line("waitingForMaster", fields);
    }

    private String extra() {
        // the bar puts this right after the speed: the space keeps "MiB/s" and the counts apart
        String counts = " %d/%d files, %d failed".formatted(filesDone.get(), files, failures.get());
        WindowPause current = pause;
        String waiting;
        synchronized (this) {
            // said each second while the master is silent: an older one is over
            waiting = masterWait != null && nanoTime.getAsLong() - masterWaitNanos < 3_000_000_000L ? masterWait : null;
        }
        String extra = current == null ? counts : counts + "; " + current.message();
        return waiting == null ? extra : extra + "; " + waiting;
    }

    /** The state of the load for the JSON lines. */
    private String state() {
        WindowPause current = pause;
        if (current == null) {
            return "loading";
        }
        return current.beforeStart() ? "waiting" : "paused";
    }

    /**
     * The whole seconds, rounded up, that {@code left} bytes take at the rate of {@code done} bytes
     * in {@code seconds}: 0 only when nothing is left.
     */
    static long etaSeconds(long left, long done, double seconds) {
        if (left <= 0) {
            return 0;
        }
        // less a nanosecond, so that a division that should fall on a whole second does not round up past it
        return Math.max(1, (long) Math.ceil(left * seconds / done - 1e-9));
    }

    /** The bar's speed: {@code bytes} over {@code elapsed} to the nanosecond, in {@code unit}, e.g. {@code 15.0 MiB/s}. */
    static String speed(long bytes, Duration elapsed, BarUnit unit) {
        double seconds = elapsed.toNanos() / 1e9;
        if (seconds <= 0) {
            return "?" + unit.name() + "/s";
        }
        return speedFormat().format(bytes / seconds / unit.bytes()) + unit.name() + "/s";
    }

    /** A new format of the bar's speed: a {@link DecimalFormat} is not thread-safe. */
    private static DecimalFormat speedFormat() {
        return new DecimalFormat(SPEED_FORMAT, DecimalFormatSymbols.getInstance(Locale.ROOT));
    }

    /**
     * The bar of the library, but for its speed, which it divides by the whole seconds elapsed (30
     * MiB in 1.9 s would show 30.0 MiB/s): divided by the time to the nanosecond instead.
     */
    private static final class Renderer extends DefaultProgressBarRenderer {
        private final BarUnit unit;

        Renderer(BarUnit unit) {
            super(ProgressBarStyle.ASCII, unit.name(), unit.bytes(), true, speedFormat(), ChronoUnit.SECONDS, true, Renderer::linearEta);
            this.unit = unit;
        }

        @Override
        protected String speed(ProgressState progress) {
            return ProgressReporter.speed(progress.getCurrent() - progress.getStart(), progress.getElapsedAfterStart(), unit);
        }

        /** As the library's: the time so far, scaled to what is left. */
        private static Optional<Duration> linearEta(ProgressState progress) {
            long done = progress.getCurrent() - progress.getStart();
            if (progress.getMax() <= 0 || progress.isIndefinite() || done <= 0) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) (progress.getElapsedAfterStart().toNanos() * ((double) (progress.getMax() - progress.getCurrent()) / done))));
        }
    }

    /** A {@code progress} line, unless the last line is less than a second old. */
    private void maybeLine() {
        if (mode != Mode.JSON) {
            return;
        }
        long now = nanoTime.getAsLong();
        synchronized (this) {
            if (now - lastLineNanos < 1_000_000_000L) {
                return;
            }
            writeLine("progress", Map.of(), now);
        }
    }

    /** A JSON line of {@code event} at once, with {@code fields} after the progress. */
    private void line(String event, Map<String, Object> fields) {
        if (mode != Mode.JSON) {
            return;
        }
        long now = nanoTime.getAsLong();
        synchronized (this) {
            writeLine(event, fields, now);
        }
    }

    /** Writes one JSON line, unless {@link #silence silenced}; the caller holds this object's lock. */
    private void writeLine(String event, Map<String, Object> fields, long now) {
        if (silenced) {
            return;
        }
        begun = true;
        ended |= event.equals("finished");
        lastLineNanos = now;
        // the rate and the ETA count the time spent loading, not the time outside the load window
        long closedNanos = this.closedNanos + (pause == null ? 0 : now - closedSinceNanos);
        double seconds = Math.max(1e-9, (now - startNanos - closedNanos) / 1e9);
        long done = bytesDone.get();
        long rate = (long) (done / seconds);
        // rounded up, so that 0 means nothing is left: 0.6 s left is 1
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", event);
        line.put("state", state());
        line.put("files", files);
        line.put("filesDone", filesDone.get());
        line.put("bytes", bytes);
        line.put("bytesDone", done);
        line.put("bytesPerSecond", rate);
        // outside the load window the time to the end depends on when it opens (opensInSeconds): none given
        line.put("etaSeconds", done <= 0 || pause != null ? null : etaSeconds(bytes - done, done, seconds));
        line.put("failures", failures.get());
        line.put("retries", retries.get());
        line.putAll(fields);
        try {
            lines.println(JSON.writeValueAsString(line));
        }
        catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        lines.flush();
    }

    /**
     * Shows nothing more, the bar finished where it stands: the JVM is ending the load (SIGINT,
     * SIGTERM), and the line that then says what is kept is the last on stderr. The load's threads
     * still hear of it as it stops (a Spark job's slices report what they wrote as their tasks are
     * killed); no line says so after that one. Returns once no line is being written.
     */
    synchronized void silence() {
        silenced = true;
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.setExtraMessage(extra());
            bar.close();
            bar = null;
        }
    }
}
