/**
 * The benchmark harness: scenarios P1-P3 that run gfsload and a baseline interleaved on the same
 * data in one process, and report medians, spreads and ratios. {@link io.gfsload.benchmarks.Bench}
 * is the entry point; see benchmarks/README.md.
 */
package io.gfsload.benchmarks;
