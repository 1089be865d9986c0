package io.gfsload.planner;

/** A load request that cannot be carried out as given: bad values or a poor fit for the table or cluster. */
public class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
