/**
 * The gRPC implementation of {@link io.gfsload.cache.api.CacheClient}: replicated, flow-controlled
 * block writes and checksum-verified reads with replica fallback.
 */
package io.gfsload.cache.client;
