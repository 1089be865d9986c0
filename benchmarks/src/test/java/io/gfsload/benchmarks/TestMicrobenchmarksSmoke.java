package io.gfsload.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every JMH microbenchmark once, briefly and in this JVM, so that they cannot rot: each must
 * produce a score. Asserts no speed.
 */
class TestMicrobenchmarksSmoke {
    @Test
    void everyMicrobenchmarkRuns() throws RunnerException {
        Options options = new OptionsBuilder()
                .include("io\\.gfsload\\.benchmarks\\.jmh\\..*")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .param("bytes", "65536")
                .param("blockBytes", "1048576")
                .param("chunkBytes", "262144")
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Set<String> benchmarks = new TreeSet<>();
        for (RunResult result : results) {
            benchmarks.add(result.getParams().getBenchmark().replace("io.gfsload.benchmarks.jmh.", ""));
            assertTrue(result.getPrimaryResult().getScore() > 0, result.getParams().getBenchmark());
        }
        assertEquals(Set.of("BlockStreamingBenchmark.readBlock", "BlockStreamingBenchmark.writeBlock", "ChecksumBenchmark.crc32Heap",
                "ChecksumBenchmark.crc32cBlockAndSegments", "ChecksumBenchmark.crc32cDirect", "ChecksumBenchmark.crc32cHeap"), benchmarks);
    }
}
