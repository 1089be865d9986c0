package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TestProcessStates {
    @Test
    void theStateFollowsTheLastParenthesisOfTheCommandName() {
        assertEquals(Optional.of('S'), ProcessStates.state("1234 (java) S 1 1234 1234 0 -1 4194560"));
        assertEquals(Optional.of('Z'), ProcessStates.state("10714 (sleep) Z 10713 10709 8532 0 -1 4227084"));
        assertEquals(Optional.of('R'), ProcessStates.state("77 (a) b (c)) R 1 77"), "a name with spaces and parentheses");
        assertEquals(Optional.empty(), ProcessStates.state("77 (truncated"));
        assertEquals(Optional.empty(), ProcessStates.state("77 (x)"));
        assertEquals(Optional.empty(), ProcessStates.state(""));
    }

    @Test
    void aRunningProcessHasNotExited() {
        assertFalse(ProcessStates.hasExited(ProcessHandle.current().pid()));
        assertEquals(true, ProcessStates.isRunning(ProcessHandle.current()));
        assertFalse(ProcessStates.hasExited(Long.MAX_VALUE), "no such process");
    }
}
