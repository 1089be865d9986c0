package io.gfsload.planner;

/** Planning failed for a reason outside the request, such as a UFS listing error. */
public class PlanningException extends RuntimeException {
    public PlanningException(String message, Throwable cause) {
        super(message, cause);
    }
}
