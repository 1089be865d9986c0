package io.gfsload.executor;

/** The live workers do not have room for what a plan would load. */
public class InsufficientCapacityException extends RuntimeException {
    public InsufficientCapacityException(String message) {
        super(message);
    }
}
