/**
 * Hadoop FileSystems over local files that behave like a remote object store: {@code throttled://}
 * adds per-request latency, bandwidth limits and throttling errors; {@code faulty://} injects
 * transient and permanent read faults. Used by the benchmarks and by failure tests.
 */
package io.gfsload.ufs.simulator;
