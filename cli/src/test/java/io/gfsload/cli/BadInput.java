package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

/**
 * A load command with a bad flag, and the start of the message it must fail with (exit 2, before
 * anything is loaded or written).
 *
 * @param args the command line
 * @param message what stderr starts with
 */
record BadInput(List<String> args, String message) {
    BadInput {
        args = List.copyOf(args);
    }

    /**
     * The bad flags of issue 7 (and bad load windows), for {@code distributedLoad path} and {@code --table demo.events},
     * each followed by {@code connection} (e.g. {@code --master host:port}, or nothing).
     */
    static List<BadInput> loadFlags(String path, String... connection) {
        return List.of(
                distributedLoad(path, connection, "gfsload: Invalid replication 0: must be at least 1", "--replication", "0"),
                distributedLoad(path, connection, "gfsload: Invalid --active-jobs -1: must be from 1 to 3000", "--active-jobs", "-1"),
                distributedLoad(path, connection, "gfsload: Invalid --active-jobs 5000: must be from 1 to 3000", "--active-jobs", "5000"),
                distributedLoad(path, connection, "gfsload: Invalid value for option '--bandwidth': '0MB/s' is not a data rate: "
                        + "it must be more than 0", "--bandwidth", "0MB/s"),
                distributedLoad(path, connection, "gfsload: Invalid value for option '--expire-time': '5parsecs' is not an expire time: "
                        + "expected a whole number of milliseconds, or a whole number and a unit, ms, s, min, h (hour) or d (day)", "-A", "--expire-time", "5parsecs"),
                distributedLoad(path, connection, "gfsload: Invalid value for option '--expire-time': '100' is not an expire time: "
                        + "at least 1 s (a number without a unit is milliseconds)", "-A", "--expire-time", "100"),
                distributedLoad(path, connection, "gfsload: Invalid value for option '--bandwidth': 'fast' is not a data rate: "
                        + "expected a number and a unit, such as 200MB/s", "--bandwidth", "fast"),
                distributedLoad(path, connection, "gfsload: Invalid value for option '--window': '25:00-06:00' is not a load window: "
                        + "25:00 is not a time of day (00:00 to 23:59)", "--window", "25:00-06:00"),
                distributedLoad(path, connection, "gfsload: Invalid value for option '--window': '01:00' is not a load window: "
                        + "expected HH:MM-HH:MM, such as 01:00-06:00", "--window", "01:00"),
                table(connection, "gfsload: Invalid value for option '--window': '01:00-01:00' is not a load window: it opens and closes at 01:00",
                        "--window", "01:00-01:00"),
                table(connection, "gfsload: Invalid value for option '--window': 'soon' is not a load window", "--window", "soon"),
                table(connection, "gfsload: --partition and --where select partitions in different ways: use only one of them",
                        "--partition", "dt=2026-11-20", "--where", "dt > '1'"),
                distributedLoad("cosn://AKIDEXAMPLE:SECRETKEYEXAMPLE@bucket-125/db/t", connection,
                        "gfsload: Credentials in a path are not accepted: cosn://<hidden>@bucket-125/db/t; set them in core-site.xml"),
                distributedLoad("s3a://AKIDEXAMPLE:123/SECRETKEYEXAMPLE@bucket-125/db/t", connection,
                        "gfsload: Credentials in a path are not accepted: s3a://<hidden>@bucket-125/db/t; set them in core-site.xml", "--dry-run"),
                table(connection, "gfsload: Unknown options: '--replicas', '2'\nPossible solutions: --replication", "--replicas", "2"));
    }

    private static BadInput distributedLoad(String path, String[] connection, String message, String... flags) {
        List<String> args = new ArrayList<>(List.of("distributedLoad"));
        args.addAll(List.of(flags));
        args.addAll(List.of(connection));
        args.add(path);
        return new BadInput(args, message);
    }

    private static BadInput table(String[] connection, String message, String... flags) {
        List<String> args = new ArrayList<>(List.of("--table", "demo.events"));
        args.addAll(List.of(flags));
        args.addAll(List.of(connection));
        return new BadInput(args, message);
    }

    /** Asserts that {@code run} of these args exited 2 with the message and printed no report. */
    void assertRejected(CliRun run) {
        assertEquals(ExitCode.USAGE, run.exitCode(), args + ": " + run.err());
        assertTrue(run.err().startsWith(message), args + " printed:\n" + run.err());
        assertTrue(run.err().lines().count() <= 3, args + " printed a message, not the usage:\n" + run.err());
        assertFalse(run.err().contains("SECRETKEYEXAMPLE"), args + " printed a credential:\n" + run.err());
        assertEquals("", run.out(), args + " printed no report");
    }
}
