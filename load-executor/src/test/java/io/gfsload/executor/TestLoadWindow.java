package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Parsing of load windows and their arithmetic: open or not, when they open and close. */
class TestLoadWindow {
    private static final ZoneId UTC = ZoneOffset.UTC;

    private static Instant at(String time) {
        return Instant.parse(time);
    }

    @Test
    void parsesHoursAndMinutes() {
        LoadWindow window = LoadWindow.parse("01:00-06:30", UTC);
        assertEquals(LocalTime.of(1, 0), window.start());
        assertEquals(LocalTime.of(6, 30), window.end());
        assertEquals("01:00-06:30", window.toString());
        assertEquals("22:00-06:00", LoadWindow.parse(" 22:00-6:00 ", UTC).toString());
    }

    @Test
    void refusesWhatIsNotAWindowSayingWhy() {
        assertRefused("25:00-06:00", "'25:00-06:00' is not a load window: 25:00 is not a time of day (00:00 to 23:59); expected HH:MM-HH:MM");
        assertRefused("01:60-06:00", "'01:60-06:00' is not a load window: 01:60 is not a time of day");
        assertRefused("01:00", "'01:00' is not a load window: expected HH:MM-HH:MM, such as 01:00-06:00 or 22:00-06:00 (across midnight)");
        assertRefused("soon", "'soon' is not a load window: expected HH:MM-HH:MM");
        assertRefused("01:00-01:00", "'01:00-01:00' is not a load window: it opens and closes at 01:00; expected HH:MM-HH:MM");
        assertRefused("1h-6h", "'1h-6h' is not a load window");
        assertThrows(IllegalArgumentException.class, () -> new LoadWindow(LocalTime.of(1, 0), LocalTime.of(1, 0), UTC));
    }

    private static void assertRefused(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadWindow.parse(text, UTC));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void aWindowWithinADayIsOpenFromItsStartUntilItsEnd() {
        LoadWindow window = LoadWindow.parse("01:00-06:00", UTC);
        assertFalse(window.isOpen(at("2026-11-21T00:59:59Z")));
        assertTrue(window.isOpen(at("2026-11-21T01:00:00Z")));
        assertTrue(window.isOpen(at("2026-11-21T05:59:59Z")));
        assertFalse(window.isOpen(at("2026-11-21T06:00:00Z")));

        assertEquals(at("2026-11-21T01:00:00Z"), window.opensAt(at("2026-11-21T00:30:00Z")), "later the same night");
        assertEquals(at("2026-11-22T01:00:00Z"), window.opensAt(at("2026-11-21T06:00:00Z")), "the next night");
        assertEquals(at("2026-11-21T03:00:00Z"), window.opensAt(at("2026-11-21T03:00:00Z")), "open now");
        assertEquals(at("2026-11-21T06:00:00Z"), window.closesAt(at("2026-11-21T03:00:00Z")));
        assertEquals(at("2026-11-22T06:00:00Z"), window.closesAt(at("2026-11-21T12:00:00Z")), "closed now: the closing after the next opening");
        assertEquals(Duration.ofHours(2).plusMinutes(12), window.untilOpen(at("2026-11-20T22:48:00Z")));
        assertEquals(Duration.ZERO, window.untilOpen(at("2026-11-21T02:00:00Z")));
    }

    @Test
    void aWindowAcrossMidnightIsOpenOnBothSidesOfIt() {
        LoadWindow window = LoadWindow.parse("22:00-06:00", UTC);
        assertTrue(window.isOpen(at("2026-11-21T22:00:00Z")));
        assertTrue(window.isOpen(at("2026-11-21T23:59:59Z")));
        assertTrue(window.isOpen(at("2026-11-22T00:00:00Z")));
        assertTrue(window.isOpen(at("2026-11-22T05:59:00Z")));
        assertFalse(window.isOpen(at("2026-11-22T06:00:00Z")));
        assertFalse(window.isOpen(at("2026-11-22T21:59:59Z")));

        assertEquals(at("2026-11-22T22:00:00Z"), window.opensAt(at("2026-11-22T06:00:00Z")));
        assertEquals(at("2026-11-22T06:00:00Z"), window.closesAt(at("2026-11-21T23:00:00Z")), "the next morning");
        assertEquals(at("2026-11-22T06:00:00Z"), window.closesAt(at("2026-11-22T03:00:00Z")), "the same morning");
        assertEquals(Duration.ofSeconds(30), window.untilOpen(at("2026-11-22T21:59:30Z")));
    }

    @Test
    void followsTheWallClockOfItsZone() {
        ZoneId shanghai = ZoneId.of("Asia/Shanghai");
        LoadWindow window = LoadWindow.parse("01:00-06:00", shanghai);
        assertTrue(window.isOpen(at("2026-11-20T17:00:00Z")), "01:00 in Shanghai");
        assertFalse(window.isOpen(at("2026-11-21T01:00:00Z")), "09:00 in Shanghai");
        assertEquals(at("2026-11-21T17:00:00Z"), window.opensAt(at("2026-11-21T01:00:00Z")));
    }

    @Test
    void daylightSavingChangesShortenOrMoveTheWindow() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        // 2026-03-29: clocks go from 02:00 CET to 03:00 CEST
        LoadWindow night = LoadWindow.parse("01:00-06:00", berlin);
        Instant opening = night.opensAt(at("2026-03-28T23:00:00Z"));
        assertEquals(at("2026-03-29T00:00:00Z"), opening, "01:00 CET");
        assertEquals(Duration.ofHours(4), Duration.between(opening, night.closesAt(opening)), "an hour shorter that night");

        LoadWindow inTheGap = LoadWindow.parse("02:30-04:00", berlin);
        Instant moved = inTheGap.opensAt(at("2026-03-28T23:00:00Z"));
        assertEquals(at("2026-03-29T01:30:00Z"), moved, "03:30 CEST: as much later as the change skips");
        assertTrue(inTheGap.isOpen(moved));
    }

    @Test
    void durationsReadAsOnAProgressLine() {
        assertEquals("3 h 12 min", LoadWindow.describe(Duration.ofHours(3).plusMinutes(12)));
        assertEquals("3 h 12 min", LoadWindow.describe(Duration.ofHours(3).plusMinutes(11).plusSeconds(30)), "minutes round up");
        assertEquals("19 h", LoadWindow.describe(Duration.ofHours(19)));
        assertEquals("45 min", LoadWindow.describe(Duration.ofMinutes(45)));
        assertEquals("20 s", LoadWindow.describe(Duration.ofSeconds(20)));
    }

    @Test
    void aPauseSaysWhatItWaitsFor() {
        LoadWindow window = LoadWindow.parse("01:00-06:00", UTC);
        Instant now = at("2026-11-20T21:48:00Z");
        assertEquals("waiting for the load window 01:00-06:00, opens in 3 h 12 min",
                new WindowPause(window, now, window.opensAt(now), true).message());
        Instant closed = at("2026-11-21T06:00:00Z");
        assertEquals("the load window 01:00-06:00 closed: paused, it opens again in 19 h",
                new WindowPause(window, closed, window.opensAt(closed), false).message());
    }
}
