package io.gfsload.ufs.simulator;

import java.io.IOException;

/**
 * What a simulated store does around the reads of one open {@link SimulatedInputStream}: delays,
 * bandwidth, faults and counting. Called from the reading threads; implementations are thread-safe.
 */
interface StreamPolicy {
    /**
     * A read call starts a new request (a ranged GET): a positioned read, or the first sequential
     * read after a seek. Opening the file is the request the first sequential reads belong to.
     *
     * @param position the offset the request starts at
     * @throws IOException to fail the read as the store would
     */
    void beforeRequest(long position) throws IOException;

    /**
     * Any read call of at least one byte, before any data is transferred.
     *
     * @throws IOException to fail this read
     */
    void beforeRead(long position) throws IOException;

    /** {@code bytes} were transferred to the caller; may block to hold a bandwidth. */
    void transferred(int bytes) throws IOException;

    /** A read call has transferred all its bytes; may block until the last of them is due. */
    void delivered() throws IOException;
}
