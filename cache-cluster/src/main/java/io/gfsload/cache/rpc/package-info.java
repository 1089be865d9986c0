/**
 * What the master, the workers and the client share about the wire: status and exception mapping,
 * message conversions and the server wrapper. Not for use outside this module.
 */
package io.gfsload.cache.rpc;
