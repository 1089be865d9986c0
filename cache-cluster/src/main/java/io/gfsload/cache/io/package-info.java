/**
 * File I/O helpers shared by the cache's workers, clients and the project's benchmarks.
 */
package io.gfsload.cache.io;
