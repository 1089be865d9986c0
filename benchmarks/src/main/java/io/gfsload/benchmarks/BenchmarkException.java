package io.gfsload.benchmarks;

/** A benchmark could not be prepared or a run did not do all of its work; the message names what. */
public final class BenchmarkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BenchmarkException(String message) {
        super(message);
    }

    public BenchmarkException(String message, Throwable cause) {
        super(message, cause);
    }
}
