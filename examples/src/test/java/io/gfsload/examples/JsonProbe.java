package io.gfsload.examples;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Spark application that parses its argument as JSON with Jackson's tree model, as gfsload reads
 * its records and journals, and prints the tree: run with Spark's class path only (and its own jar),
 * it shows whether that class path's Jackson parses JSON.
 */
public final class JsonProbe {
    private JsonProbe() {}

    public static void main(String[] args) throws Exception {
        System.out.println("parsed " + new ObjectMapper().readTree(args[0]));
    }
}
