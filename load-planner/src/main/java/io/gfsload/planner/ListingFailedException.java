package io.gfsload.planner;

/**
 * One location could not be listed (permission denied, an I/O error of its own), while its store
 * answers: the plan marks that partition failed and plans the others.
 */
public class ListingFailedException extends PlanningException {
    public ListingFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
