/**
 * Metrics of the master and the workers in the Prometheus text format, served over HTTP: a small
 * registry of counters and gauges and the JDK's HTTP server, no dependency.
 */
package io.gfsload.cache.metrics;
