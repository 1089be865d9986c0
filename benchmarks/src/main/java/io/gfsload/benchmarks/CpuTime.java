package io.gfsload.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;

/** The CPU time of this process, all threads, user and system. */
final class CpuTime {
    private CpuTime() {}

    /** Nanoseconds of CPU this process has used since it started. */
    static long processNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
