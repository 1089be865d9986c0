package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hours of the day in which a load may start UFS reads, e.g. {@code 01:00-06:00}, by the wall
 * clock of {@code zone}. A window whose end is before its start crosses midnight: {@code
 * 22:00-06:00} is open from 22:00 to 06:00 the next morning. On a day when a daylight-saving
 * change skips the start, the window opens as much later as the change skips (02:30 in a gap from
 * 02:00 to 03:00 becomes 03:30), and a window that falls in the gap stays closed that day.
 * Serializable: a load in slices sends it, zone included, with each slice, whose process checks it
 * on its own clock.
 *
 * @param start when the window opens, inclusive, to the minute
 * @param end when it closes, exclusive, to the minute; never equal to {@code start}
 * @param zone the time zone of {@code start} and {@code end}
 */
public record LoadWindow(LocalTime start, LocalTime end, ZoneId zone) implements Serializable {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,2}):(\\d{2})-(\\d{1,2}):(\\d{2})");
    private static final String EXPECTED = "expected HH:MM-HH:MM, such as 01:00-06:00 or 22:00-06:00 (across midnight)";

    public LoadWindow {
        requireNonNull(start, "start is null");
        requireNonNull(end, "end is null");
        requireNonNull(zone, "zone is null");
        if (start.getSecond() != 0 || start.getNano() != 0 || end.getSecond() != 0 || end.getNano() != 0) {
            throw new IllegalArgumentException("a load window starts and ends on a minute: %s-%s".formatted(start, end));
        }
        if (start.equals(end)) {
            throw new IllegalArgumentException("a load window cannot start and end at the same time: %s".formatted(start));
        }
    }

    /**
     * Parses {@code HH:MM-HH:MM} in {@code zone}.
     *
     * @throws IllegalArgumentException with a message that says what is wrong with {@code text}
     */
    public static LoadWindow parse(String text, ZoneId zone) {
        requireNonNull(text, "text is null");
        requireNonNull(zone, "zone is null");
        Matcher matcher = FORMAT.matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'%s' is not a load window: %s".formatted(text, EXPECTED));
        }
        LocalTime start = timeOfDay(text, matcher.group(1), matcher.group(2));
        LocalTime end = timeOfDay(text, matcher.group(3), matcher.group(4));
        if (start.equals(end)) {
            throw new IllegalArgumentException("'%s' is not a load window: it opens and closes at %s; %s".formatted(text, start, EXPECTED));
        }
        return new LoadWindow(start, end, zone);
    }

    private static LocalTime timeOfDay(String text, String hour, String minute) {
        try {
            return LocalTime.of(Integer.parseInt(hour), Integer.parseInt(minute));
        }
        catch (DateTimeException e) {
            throw new IllegalArgumentException("'%s' is not a load window: %s:%s is not a time of day (00:00 to 23:59); %s".formatted(text, hour, minute, EXPECTED), e);
        }
    }

    /** Whether the window is open at {@code instant}. */
    public boolean isOpen(Instant instant) {
        LocalTime time = instant.atZone(zone).toLocalTime();
        if (start.isBefore(end)) {
            return !time.isBefore(start) && time.isBefore(end);
        }
        return !time.isBefore(start) || time.isBefore(end);
    }

    /** When the window is next open: {@code instant} itself when it is open then, else the next opening. */
    public Instant opensAt(Instant instant) {
        return isOpen(instant) ? instant : next(start, instant);
    }

    /** When the window next closes after {@code instant}; when it is closed then, the closing after its next opening. */
    public Instant closesAt(Instant instant) {
        return next(end, opensAt(instant));
    }

    /** How long from {@code instant} until the window is open: zero when it is open. */
    public Duration untilOpen(Instant instant) {
        return Duration.between(instant, opensAt(instant));
    }

    /** The first instant after {@code instant} at which the wall clock of the zone shows {@code time} (or the first after a gap that skips it). */
    private Instant next(LocalTime time, Instant instant) {
        ZonedDateTime now = instant.atZone(zone);
        ZonedDateTime candidate = ZonedDateTime.of(now.toLocalDate(), time, zone);
        if (!candidate.toInstant().isAfter(instant)) {
            candidate = ZonedDateTime.of(now.toLocalDate().plusDays(1), time, zone);
        }
        return candidate.toInstant();
    }

    /** {@code HH:MM-HH:MM}, as given on the command line. */
    @Override
    public String toString() {
        return start + "-" + end;
    }

    /**
     * A duration as a person reads it on a progress line: {@code 3 h 12 min}, {@code 45 min},
     * {@code 20 s}; minutes rounded up.
     */
    public static String describe(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 60) {
            return seconds + " s";
        }
        long minutes = (seconds + 59) / 60;
        if (minutes < 60) {
            return minutes + " min";
        }
        return minutes % 60 == 0 ? "%d h".formatted(minutes / 60) : "%d h %d min".formatted(minutes / 60, minutes % 60);
    }
}
