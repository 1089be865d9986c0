/**
 * CRC32C arithmetic shared by the cache's writers and workers: combining checksums without the
 * bytes, and the per-segment checksums a block file stores.
 */
package io.gfsload.cache.checksum;
