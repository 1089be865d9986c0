package io.gfsload.catalog.thrift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.MetastoreUnavailableException;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.hadoop.hive.metastore.api.InvalidObjectException;
import org.apache.hadoop.hive.metastore.api.NoSuchObjectException;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TProtocolException;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.Test;

/**
 * Errors of a metastore other than a {@code MetaException} whose text holds a secret: repeated, and
 * printed as a log prints the failure they cause, without it. The metastore here is a real Thrift
 * server that answers {@code get_partitions_by_names} with the error given, as a metastore whose
 * database or handler fails may: the embedded metastore cannot be made to.
 */
class TestMetastoreErrorsWithSecrets {
    private static final TableInfo TABLE = new TableInfo(new TableName("db", "events"), "MANAGED_TABLE", Optional.empty(), Optional.empty(), List.of("dt"));
    private static final List<PartitionSpec> SPECS = List.of(new PartitionSpec(List.of("dt"), List.of("2026-11-20")));

    @Test
    void anErrorTheMetastoreDeclaresIsRepeatedAndLoggedWithoutItsSecrets() throws Exception {
        MetastoreUnavailableException e = failureOfAMetastoreAnswering(() -> new NoSuchObjectException(
                "Cannot read db.events: JDBC url = jdbc:mysql://hive:Us3rNoSuch@db:3306/hive?password=S3cretNoSuch, username = hive"));

        assertEquals("Cannot read db.events: JDBC url = jdbc:mysql://<hidden>@db:3306/hive?password=<hidden> username = hive",
                e.getMessage().substring(e.getMessage().indexOf(": ") + 2));
        assertInstanceOf(NoSuchObjectException.class, e.getCause());
        assertAbsent(printed(e), "Us3rNoSuch", "S3cretNoSuch");
    }

    @Test
    void anApplicationErrorIsRepeatedAndLoggedWithoutItsSecrets() throws Exception {
        MetastoreUnavailableException e = failureOfAMetastoreAnswering(() -> new TApplicationException(TApplicationException.INTERNAL_ERROR,
                "Internal error processing get_partitions_by_names: cannot list cosn://AKIDx:S3cretApp@bucket-1/db/events with fs.cosn.userinfo.secretKey = S3cret App2"));

        assertEquals("Internal error processing get_partitions_by_names: cannot list cosn://<hidden>@bucket-1/db/events with fs.cosn.userinfo.secretKey = <hidden>",
                e.getMessage().substring(e.getMessage().indexOf(": ") + 2));
        TApplicationException cause = assertInstanceOf(TApplicationException.class, e.getCause());
        assertEquals(TApplicationException.INTERNAL_ERROR, cause.getType());
        assertAbsent(printed(e), "S3cretApp", "S3cret App2");
    }

    @Test
    void everyKindOfThriftErrorIsHiddenKeepingItsTypeAndStackTrace() {
        TTransportException transport = new TTransportException(TTransportException.UNKNOWN, "Cannot open https://u:S3cretT@proxy/metastore",
                new TTransportException(TTransportException.NOT_OPEN, "via jdbc:derby://db/ms;password=S3cretT2"));
        TProtocolException protocol = new TProtocolException(TProtocolException.INVALID_DATA, "password= S3cretP");
        InvalidObjectException invalid = new InvalidObjectException("Invalid location s3a://AKIA:S3cretI@bucket/x");

        TException hiddenTransport = ThriftHiveCatalog.hidden(transport);
        TException hiddenProtocol = ThriftHiveCatalog.hidden(protocol);
        TException hiddenInvalid = ThriftHiveCatalog.hidden(invalid);

        assertEquals(TTransportException.UNKNOWN, assertInstanceOf(TTransportException.class, hiddenTransport).getType());
        assertEquals(TTransportException.NOT_OPEN, assertInstanceOf(TTransportException.class, hiddenTransport.getCause()).getType());
        assertArrayEquals(transport.getStackTrace(), hiddenTransport.getStackTrace(), "where it failed, as the original says");
        assertEquals(TProtocolException.INVALID_DATA, assertInstanceOf(TProtocolException.class, hiddenProtocol).getType());
        assertEquals("password= <hidden>", hiddenProtocol.getMessage());
        assertSame(invalid, hiddenInvalid, "a declared error is hidden in place");
        assertEquals("Invalid location s3a://<hidden>@bucket/x", hiddenInvalid.getMessage());
        assertAbsent(printed(hiddenTransport) + printed(hiddenProtocol) + printed(hiddenInvalid), "S3cretT", "S3cretP", "S3cretI");

        TTransportException withoutSecrets = new TTransportException(TTransportException.END_OF_FILE, "Socket closed");
        assertSame(withoutSecrets, ThriftHiveCatalog.hidden(withoutSecrets));
    }

    /** The failure of {@code getPartitions} from a metastore that answers {@code get_partitions_by_names} with {@code error}. */
    private static MetastoreUnavailableException failureOfAMetastoreAnswering(Supplier<TException> error) throws TTransportException {
        try (StubMetastore metastore = StubMetastore.answering("get_partitions_by_names", arguments -> {
                    throw error.get();
                });
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(metastore.uri())) {
            return assertThrows(MetastoreUnavailableException.class, () -> catalog.getPartitions(TABLE, SPECS));
        }
    }

    private static String printed(Throwable failure) {
        StringWriter out = new StringWriter();
        failure.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private static void assertAbsent(String printed, String... secrets) {
        for (String secret : secrets) {
            assertFalse(printed.contains(secret), "without " + secret + ": " + printed);
        }
    }
}
