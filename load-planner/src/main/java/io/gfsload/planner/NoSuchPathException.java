package io.gfsload.planner;

/** A path to load does not exist in the UFS. */
public class NoSuchPathException extends RuntimeException {
    public NoSuchPathException(String path) {
        super("Path not found: " + path);
    }
}
