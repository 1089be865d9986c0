/**
 * {@code gfs://}, the Hadoop FileSystem through which Spark, Hive and Presto read what gfsload
 * warmed: cached blocks from the cache workers, everything else from the UFS. Read-only.
 */
package io.gfsload.cache.fs;
