/** A whole cache cluster in one process, on loopback ports, with its state in one directory. */
package io.gfsload.cache.local;
