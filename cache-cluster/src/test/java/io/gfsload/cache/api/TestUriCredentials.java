package io.gfsload.cache.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TestUriCredentials {
    @Test
    void aFailureWithCredentialsInACauseOrASuppressedOneIsLoggedWithoutThem() {
        IOException cause = new IOException("Cannot open cosn://AKIDsecretid:Sup3rS3cret@bucket-1250000000/warehouse/x");
        IllegalStateException failure = new IllegalStateException("The load failed", cause);
        failure.addSuppressed(new IllegalArgumentException("Wrong FS: s3a://AKIA:abc/def@bucket/y"));

        Throwable logged = UriCredentials.hiddenIn(failure);

        String printed = printed(logged);
        assertFalse(printed.contains("Sup3rS3cret") || printed.contains("abc/def"), printed);
        assertTrue(printed.startsWith("java.lang.IllegalStateException: The load failed"), printed);
        assertTrue(printed.contains("Caused by: java.io.IOException: Cannot open cosn://<hidden>@bucket-1250000000/warehouse/x"), printed);
        assertTrue(printed.contains("Suppressed: java.lang.IllegalArgumentException: Wrong FS: s3a://<hidden>@bucket/y"), printed);
        assertArrayEquals(failure.getStackTrace(), logged.getStackTrace(), "where it failed, as the original says");
        assertArrayEquals(cause.getStackTrace(), logged.getCause().getStackTrace());
    }

    @Test
    void aFailureWithoutCredentialsIsLoggedAsItIs() {
        IOException failure = new IOException("Cannot open hdfs://nn:8020/warehouse/a@b", new IOException("Connection refused"));

        assertSame(failure, UriCredentials.hiddenIn(failure));
    }

    @Test
    void otherSecretsAreHiddenInEveryTextOfTheFailureAsWell() {
        IOException cause = new IOException("Unable to open a test connection: JDBC url = jdbc:mysql://db/hive?password=dbS3cret");
        IllegalStateException failure = new IllegalStateException("Cannot plan cosn://id:key@bucket/x", cause);

        Throwable logged = UriCredentials.hiddenIn(failure, text -> text.replace("dbS3cret", "<hidden>"));

        String printed = printed(logged);
        assertTrue(printed.startsWith("java.lang.IllegalStateException: Cannot plan cosn://<hidden>@bucket/x"), printed);
        assertTrue(printed.contains("Caused by: java.io.IOException: Unable to open a test connection: JDBC url = jdbc:mysql://db/hive?password=<hidden>"),
                printed);
        // no URI credentials, only the other secret: still a copy
        IOException passwordOnly = new IOException("password=dbS3cret");
        assertEquals("java.io.IOException: password=<hidden>", UriCredentials.hiddenIn(passwordOnly, text -> text.replace("dbS3cret", "<hidden>")).toString());
    }

    @Test
    void aCauseThatLeadsBackToItselfIsCopiedOnce() {
        IOException first = new IOException("cosn://id:key@bucket/x");
        IOException second = new IOException("again", first);
        first.addSuppressed(second);

        Throwable logged = UriCredentials.hiddenIn(first);

        assertEquals("java.io.IOException: cosn://<hidden>@bucket/x", logged.toString());
        assertSame(logged, logged.getSuppressed()[0].getCause());
    }

    @Test
    void blanksBeforeTheSchemeOfAnyKindArePassedOver() {
        for (String blank : new String[] {" ", "\t", "\u00A0", "\u3000", "\u2007", "\uFEFF"}) {
            assertEquals("%ss3a://<hidden>@bucket/x".formatted(blank), UriCredentials.hidden(blank + "s3a://AKIA:abc/def@bucket/x").orElse("none"),
                    "after U+%04X".formatted((int) blank.charAt(0)));
            assertEquals("%shdfs://<hidden>@nn:8020/x".formatted(blank), UriCredentials.hidden(blank + "hdfs://user:pw@nn:8020/x").orElse("none"),
                    "a port after the credentials, after U+%04X".formatted((int) blank.charAt(0)));
        }
        assertTrue(UriCredentials.hidden("\u00A0hdfs://nn:8020/dir/a@b").isEmpty(), "a port, then a path: no credentials");
    }

    private static String printed(Throwable failure) {
        StringWriter out = new StringWriter();
        failure.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
