package io.gfsload.executor;

/** The job journal cannot be opened or written. */
public class JournalException extends RuntimeException {
    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
