/**
 * The cache cluster as separate processes: {@link io.gfsload.cache.server.CacheServerMain} runs a
 * master or a worker from a properties file read by {@link io.gfsload.cache.server.CacheServerConfig}.
 */
package io.gfsload.cache.server;
