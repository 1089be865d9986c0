/**
 * Metrics of the master and the workers in the Prometheus text format, served over HTTP: the
 * counters, the gauges and the text are the Prometheus Java client's
 * ({@code io.prometheus:prometheus-metrics-core} and {@code prometheus-metrics-exposition-textformats}),
 * the server is the JDK's, with a time limit per exchange.
 */
package io.gfsload.cache.metrics;
