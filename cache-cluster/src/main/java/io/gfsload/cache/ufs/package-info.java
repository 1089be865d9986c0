/**
 * The cache's view of files in the under file system, as Hadoop gives them: what the planner, the
 * executor and {@code gfs://} all name a file by.
 */
package io.gfsload.cache.ufs;
