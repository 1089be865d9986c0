package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlanningListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What stderr shows of a plan that takes longer than {@link #QUIET}: one line
 * ({@code Planning db.t: listing 3,000 partitions ...}, or, while the metastore has not yet
 * answered, {@code Planning db.t: reading its partitions from the metastore ...}); on a terminal
 * that line then counts the partitions listed, redrawn in place, and with JSON progress a
 * {@code planning} line follows every {@link #JSON_INTERVAL}. A plan quicker than that shows
 * nothing, and a log that is no terminal gets no more than those lines.
 *
 * <p>Thread-safe: the planner's threads count, a timer thread of its own shows.
 */
final class PlanningProgress implements PlanningListener, AutoCloseable {
    /** How long a plan runs before stderr says so. */
    static final Duration QUIET = Duration.ofSeconds(2);
    /** How often a terminal's line is redrawn. */
    static final Duration TERMINAL_INTERVAL = Duration.ofMillis(500);
    /** How often a JSON progress line says how far the plan has come. */
    static final Duration JSON_INTERVAL = Duration.ofSeconds(5);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the plan's progress shows after its first line. */
    enum Display {
        /** The first line only: a log. */
        LINE,
        /** The first line, redrawn in place with the count of partitions listed. */
        TERMINAL,
        /** The first line, then a JSON line every {@link #JSON_INTERVAL}. */
        JSON
    }

    private final String target;
    private final String noun;
    private final Display display;
    private final PrintWriter err;
    private final LongSupplier nanoTime;
    private final AtomicInteger selected = new AtomicInteger();
    private final AtomicInteger listed = new AtomicInteger();
    private final ScheduledExecutorService timer;
    /** Guarded by this. */
    private boolean shown;
    private int drawnLength;
    private long lastJsonNanos;
    private boolean closed;

    PlanningProgress(LoadTarget target, Display display, PrintWriter err, LongSupplier nanoTime, boolean timed) {
        requireNonNull(target, "target is null");
        this.target = target.describe();
        this.noun = target instanceof LoadTarget.Table ? "partition" : "path";
        this.display = requireNonNull(display, "display is null");
        this.err = requireNonNull(err, "err is null");
        this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
        if (timed) {
            timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "gfsload-planning-progress");
                thread.setDaemon(true);
                return thread;
            });
            long interval = (display == Display.JSON ? Duration.ofSeconds(1) : TERMINAL_INTERVAL).toMillis();
            timer.scheduleWithFixedDelay(this::tick, QUIET.toMillis(), interval, TimeUnit.MILLISECONDS);
        }
        else {
            timer = null;
        }
    }

    /** Starts showing the plan of {@code target} on {@code err} once it has run for {@link #QUIET}. */
    static PlanningProgress start(LoadTarget target, Display display, PrintWriter err) {
        return new PlanningProgress(target, display, err, System::nanoTime, true);
    }

    /** How a command shows its plan: on a terminal in place, with {@code progress} JSON lines as JSON, else one line. */
    static Display display(ProgressReporter.Mode progress, boolean onTerminal) {
        return switch (progress) {
            case BAR -> Display.TERMINAL;
            case JSON -> Display.JSON;
            case NONE -> Display.LINE;
            case AUTO -> onTerminal ? Display.TERMINAL : Display.JSON;
        };
    }

    /** How a command without {@code --progress} (plan, status, tune) shows its plan: in place on a terminal, else one line. */
    static Display display(boolean onTerminal) {
        return onTerminal ? Display.TERMINAL : Display.LINE;
    }

    @Override
    public void selected(int count) {
        selected.addAndGet(count);
    }

    @Override
    public void listed() {
        listed.incrementAndGet();
    }

    /** Shows the first line, or how far the plan has come since. */
    synchronized void tick() {
        if (closed) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (!shown) {
            shown = true;
            lastJsonNanos = now;
            if (display == Display.TERMINAL) {
                draw();
                return;
            }
            err.println(firstLine());
            if (display == Display.JSON) {
                jsonLine();
            }
            err.flush();
            return;
        }
        if (display == Display.TERMINAL) {
            draw();
        }
        else if (display == Display.JSON && now - lastJsonNanos >= JSON_INTERVAL.toNanos()) {
            lastJsonNanos = now;
            jsonLine();
            err.flush();
        }
    }

    private String firstLine() {
        int count = selected.get();
        return count == 0
                ? "Planning %s: reading its %ss from the metastore ...".formatted(target, noun)
                : "Planning %s: listing %s ...".formatted(target, count(count));
    }

    private String count(int count) {
        return String.format(Locale.ROOT, "%,d %s%s", count, noun, count == 1 ? "" : "s");
    }

    /** The terminal's line, drawn over the last one. */
    private void draw() {
        int count = selected.get();
        String line = count == 0 ? firstLine()
                : String.format(Locale.ROOT, "Planning %s: %,d of %s listed", target, Math.min(listed.get(), count), count(count));
        err.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
        drawnLength = line.length();
        err.flush();
    }

    private void jsonLine() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "planning");
        line.put("state", "planning");
        line.put(noun + "s", selected.get());
        line.put(noun + "sListed", listed.get());
        try {
            err.println(JSON.writeValueAsString(line));
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops showing; a terminal's line is drawn a last time and ended, so that what follows starts on a line of its own. */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        synchronized (this) {
            if (shown && display == Display.TERMINAL && !closed) {
                draw();
                err.println();
                err.flush();
            }
            closed = true;
        }
    }
}
