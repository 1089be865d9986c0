package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TestPlanPrinter {
    @Test
    void aShareThatIsNotWholeNeverShowsAsAHundredPercent() {
        assertEquals("99.9 %", PlanPrinter.percent(100.0 * 3999 / 4000), "one block of 4,000 missing");
        assertEquals("99.9 %", PlanPrinter.percent(99.99999));
        assertEquals("100.0 %", PlanPrinter.percent(100.0));
        assertEquals("50.0 %", PlanPrinter.percent(50.0));
        assertEquals("33.3 %", PlanPrinter.percent(100.0 / 3));
        assertEquals("0.0 %", PlanPrinter.percent(0.0));
    }
}
