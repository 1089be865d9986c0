/**
 * The cache worker: a block directory with a quota, crash-safe checksummed block files, and the
 * gRPC streams that write and read them. Start one with
 * {@link io.gfsload.cache.worker.CacheWorker#start}.
 */
package io.gfsload.cache.worker;
