package io.gfsload.cache.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class MetricsRegistryTest {
    @Test
    void rendersFamiliesInTheTextFormat() {
        MetricsRegistry registry = new MetricsRegistry();
        registry.counter("gfsload_worker_evictions_total", "Blocks evicted.", Map.of("worker", "w-1", "tier", "SSD"))
                .inc(3);
        registry.counter("gfsload_worker_evictions_total", "Blocks evicted.", Map.of("worker", "w-0", "tier", "MEM"))
                .inc();
        registry.gauge("gfsload_master_temp_areas", "Open temp areas.", Map.of(), () -> 2);
        registry.gauge("gfsload_worker_ratio", "A \"ratio\".", Map.of("path", "a\\b\"c\nd"), () -> 0.25);

        assertEquals("""
                # HELP gfsload_master_temp_areas Open temp areas.
                # TYPE gfsload_master_temp_areas gauge
                gfsload_master_temp_areas 2.0
                # HELP gfsload_worker_evictions_total Blocks evicted.
                # TYPE gfsload_worker_evictions_total counter
                gfsload_worker_evictions_total{tier="MEM",worker="w-0"} 1.0
                gfsload_worker_evictions_total{tier="SSD",worker="w-1"} 3.0
                # HELP gfsload_worker_ratio A "ratio".
                # TYPE gfsload_worker_ratio gauge
                gfsload_worker_ratio{path="a\\\\b\\"c\\nd"} 0.25
                """, registry.scrape());
    }

    @Test
    void samplesOfAStoppedComponentCanBeDropped() {
        MetricsRegistry registry = new MetricsRegistry();
        registry.counter("c_total", "c", Map.of("worker", "w-1")).inc();
        registry.counter("c_total", "c", Map.of("worker", "w-10")).inc();
        registry.gauge("g", "g", Map.of("tier", "SSD", "worker", "w-1"), () -> 1);
        registry.removeLabelled("worker", "w-1");
        assertEquals(OptionalDouble.empty(), registry.value("c_total", Map.of("worker", "w-1")));
        assertEquals(OptionalDouble.of(1), registry.value("c_total", Map.of("worker", "w-10")));
        assertEquals("# HELP c_total c\n# TYPE c_total counter\nc_total{worker=\"w-10\"} 1.0\n", registry.scrape());
    }

    @Test
    void aNameIsOneKindOfMetricWithOneSetOfLabelNames() {
        MetricsRegistry registry = new MetricsRegistry();
        registry.counter("x_total", "x", Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.gauge("x_total", "x", Map.of(), () -> 1));
        assertEquals("metric x_total is a counter, not a gauge", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> registry.counter("x_total", "x", Map.of(), () -> 1));
        assertEquals("metric x_total is a counter, not a counter read from a function", e.getMessage());
        registry.gauge("g", "g", Map.of("worker", "w-0", "tier", "SSD"), () -> 1);
        e = assertThrows(IllegalArgumentException.class, () -> registry.gauge("g", "g", Map.of("worker", "w-1"), () -> 1));
        assertEquals("metric g has the labels [tier, worker], not [worker]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> registry.counter("y_total", "y", Map.of()).inc(-1),
                "a counter cannot decrease");
    }

    @Test
    void countersReadFromAFunctionAndFailingFunctions() {
        MetricsRegistry registry = new MetricsRegistry();
        registry.counter("r_total", "r", Map.of("worker", "w-0"), () -> 5);
        registry.gauge("broken", "b", Map.of(), () -> {
            throw new IllegalStateException("closed");
        });
        assertEquals(OptionalDouble.of(5), registry.value("r_total", Map.of("worker", "w-0")));
        assertEquals(OptionalDouble.empty(), registry.value("r_total", Map.of("worker", "w-1")));
        assertEquals(OptionalDouble.empty(), registry.value("none", Map.of()));
        assertEquals("""
                # HELP broken b
                # TYPE broken gauge
                broken NaN
                # HELP r_total r
                # TYPE r_total counter
                r_total{worker="w-0"} 5.0
                """, registry.scrape());
    }
}
