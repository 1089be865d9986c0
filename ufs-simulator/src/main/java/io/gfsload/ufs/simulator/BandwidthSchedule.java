package io.gfsload.ufs.simulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A bandwidth that changes over time: from each step's offset on, the step's bytes per second
 * (0 = unlimited), until the next step. Written {@code 0s:128MB,20s:64MB,40s:128MB}: offsets in
 * {@code ms} or {@code s}, rates in bytes with an optional {@code K}, {@code M} or {@code G}
 * (powers of 1024, as in Hadoop's configuration; {@code MB} and {@code MiB} alike) and an
 * optional {@code /s}. The first step starts at 0; before any step (an empty schedule) the
 * bandwidth is the store's fixed one.
 *
 * @param steps in increasing order of offset, the first at 0
 */
public record BandwidthSchedule(List<Step> steps) {
    private static final Pattern OFFSET = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s)");
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmg]?)(i?b)?(/s)?");
    private static final BandwidthSchedule NONE = new BandwidthSchedule(List.of());

    /**
     * From {@code offset} on, {@code bytesPerSecond}.
     *
     * @param offset since the schedule started
     * @param bytesPerSecond 0 = unlimited
     */
    public record Step(Duration offset, long bytesPerSecond) {
        public Step {
            requireNonNull(offset, "offset is null");
            if (offset.isNegative()) {
                throw new IllegalArgumentException("offset must be >= 0: " + offset);
            }
            if (bytesPerSecond < 0) {
                throw new IllegalArgumentException("bytesPerSecond must be >= 0 (0 = unlimited): " + bytesPerSecond);
            }
        }
    }

    public BandwidthSchedule {
        steps = List.copyOf(requireNonNull(steps, "steps is null"));
        if (!steps.isEmpty() && !steps.get(0).offset().isZero()) {
            throw new IllegalArgumentException("the first step must start at 0s: " + steps.get(0).offset().toMillis() + "ms");
        }
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i).offset().compareTo(steps.get(i - 1).offset()) <= 0) {
                throw new IllegalArgumentException("steps must be in increasing order of offset: %dms after %dms"
                        .formatted(steps.get(i).offset().toMillis(), steps.get(i - 1).offset().toMillis()));
            }
        }
    }

    /** No schedule: the fixed bandwidth applies. */
    public static BandwidthSchedule none() {
        return NONE;
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /** The bandwidth {@code elapsed} after the schedule started; call only on a non-empty schedule. */
    public long bytesPerSecondAt(Duration elapsed) {
        requireNonNull(elapsed, "elapsed is null");
        if (steps.isEmpty()) {
            throw new IllegalStateException("An empty schedule has no bandwidth of its own");
        }
        long rate = steps.get(0).bytesPerSecond();
        for (Step step : steps) {
            if (step.offset().compareTo(elapsed) > 0) {
                break;
            }
            rate = step.bytesPerSecond();
        }
        return rate;
    }

    /**
     * Parses {@code 0s:128MB,20s:64MB}; blank is {@link #none()}.
     *
     * @throws IllegalArgumentException naming the step that is not {@code OFFSET:RATE}
     */
    public static BandwidthSchedule parse(String text) {
        requireNonNull(text, "text is null");
        if (text.isBlank()) {
            return NONE;
        }
        List<Step> steps = new ArrayList<>();
        for (String part : text.split(",")) {
            String step = part.strip();
            int colon = step.indexOf(':');
            Matcher offset = OFFSET.matcher(colon < 0 ? "" : step.substring(0, colon).strip().toLowerCase(Locale.ROOT));
            Matcher rate = RATE.matcher(colon < 0 ? "" : step.substring(colon + 1).strip().toLowerCase(Locale.ROOT));
            if (!offset.matches() || !rate.matches()) {
                throw new IllegalArgumentException("'%s' is not OFFSET:RATE, e.g. 20s:64MB".formatted(step));
            }
            double seconds = Double.parseDouble(offset.group(1)) / (offset.group(2).equals("ms") ? 1000 : 1);
            long multiplier = switch (rate.group(2)) {
                case "k" -> 1L << 10;
                case "m" -> 1L << 20;
                case "g" -> 1L << 30;
                default -> 1;
            };
            steps.add(new Step(Duration.ofNanos(Math.round(seconds * 1e9)), Math.round(Double.parseDouble(rate.group(1)) * multiplier)));
        }
        return new BandwidthSchedule(steps);
    }

    /** The text {@link #parse} reads back equal, e.g. {@code 0ms:134217728,20000ms:67108864}. */
    @Override
    public String toString() {
        return steps.stream().map(step -> step.offset().toMillis() + "ms:" + step.bytesPerSecond()).collect(Collectors.joining(","));
    }
}
