package io.gfsload.cache.api;

/**
 * What {@link CacheClient#free}, {@link CacheClient#freePath} or {@link CacheClient#freePrefix} uncached.
 *
 * @param files file identities that had cached blocks
 * @param blocks blocks forgotten by the master; the workers delete their replicas with their next
 *     heartbeat
 * @param bytes bytes of those blocks, counted once per block
 */
public record FreeResult(int files, int blocks, long bytes) {}
