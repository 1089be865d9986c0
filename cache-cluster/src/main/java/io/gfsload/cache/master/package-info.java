/**
 * The cache master: worker registry and heartbeats (in memory), committed block metadata
 * (RocksDB) and replica placement. Start one with {@link io.gfsload.cache.master.CacheMaster#start}.
 */
package io.gfsload.cache.master;
