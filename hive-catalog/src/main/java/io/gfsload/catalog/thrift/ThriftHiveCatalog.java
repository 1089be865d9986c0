package io.gfsload.catalog.thrift;

import static java.lang.Math.toIntExact;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.Lists;
import io.gfsload.catalog.CatalogException;
import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.InvalidInputException;
import io.gfsload.catalog.MetastoreUnavailableException;
import io.gfsload.catalog.NoSuchTableException;
import io.gfsload.catalog.PartitionFilterHints;
import io.gfsload.catalog.PartitionInfo;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.Secrets;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.antlr.runtime.CommonToken;
import org.antlr.runtime.Token;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.PartFilterExprUtil;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.MetaException;
import org.apache.hadoop.hive.metastore.api.NoSuchObjectException;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.hadoop.hive.metastore.api.ThriftHiveMetastore;
import org.apache.hadoop.hive.metastore.parser.FilterParser;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.TFieldIdEnum;
import org.apache.thrift.meta_data.FieldMetaData;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TProtocolException;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link HiveCatalog} over a Thrift metastore ({@code thrift://host:port}), or over the
 * metastores of a highly available service ({@code hive.metastore.uris}): the first connection
 * goes to the first of them, in their order, that answers; each later one to the metastore that
 * last answered, else to the next that answers after it, around the list.
 *
 * <p>Thread-safe: a {@link HiveMetaStoreClient} is not, so each call borrows one connection of a
 * small pool, opened when calls overlap, up to {@code maxConnections}; more calls wait. A
 * connection whose call failed in the transport is closed, with the idle connections to the same
 * metastore, and new connections start with the next metastore, so the next call (a retry) goes
 * there, not back to the one that may be down.
 *
 * <p>Each connection first checks, with a TCP connect bounded by the connect timeout, that its
 * metastore takes connections, and then that it answers a first short call
 * ({@code getMetaConf}) within the same timeout: Hive's client connects and reads with its socket
 * timeout ({@code hive.metastore.client.socket.timeout}, 600 s), so a metastore whose host drops
 * packets would hold every connection for the system's TCP connect timeout (about 2 minutes on
 * Linux), and one that takes connections but never answers (a hung process, a proxy in front of a
 * dead one) for the socket timeout, before the next metastore is tried. A metastore that closes the
 * connection or answers something else than Thrift (an HTTP proxy's error page) is passed at once.
 * Later calls keep Hive's socket timeout: listing many partitions may take long.
 *
 * <p>As it connects, the catalog asks the metastore how it names Hive's default partition
 * ({@code hive.exec.default.partition.name}), unless told: a metastore that refuses the key or
 * does not know the call leaves it {@link PartitionSpec#DEFAULT_PARTITION_VALUE}.
 */
public final class ThriftHiveCatalog implements HiveCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(ThriftHiveCatalog.class);

    /** A Java type naming an exception at the start of a message part: {@code org.apache.thrift.transport.TTransportException: }. */
    private static final Pattern JAVA_TYPE = Pattern.compile("\\b(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ");

    /**
     * How a metastore's JDO filter refuses keys of other types than string (Hive 3 adds ", or
     * integral types"); it is the only filter a metastore has where its direct SQL is off or fails.
     */
    private static final String TYPED_KEYS_REFUSAL = "Filtering is supported only on partition keys of type string";

    /** The starts of the messages of the {@link MetaException}s with which a metastore refuses a filter, rather than fails. */
    private static final List<String> FILTER_REFUSALS = List.of(
            // its parser (Hive 2 and 3): "Error parsing partition filter : line 1:3 ...", "...; lexer error: ..."
            "Error parsing partition filter",
            // its JDO filter: a key not of type string (Hive 3: "..., or integral types"), an invalid date, LIKE combined with such a key
            TYPED_KEYS_REFUSAL,
            "Specified key <",
            "Value should be on the RHS for LIKE operator",
            // a number its parser cannot read as a long, which the metastore wraps as it is
            "java.lang.NumberFormatException");

    /**
     * How a metastore refuses a call that would return more partitions than its
     * {@code hive.metastore.limit.partition.request}: "Number of partitions scanned (=N) on table
     * 't' exceeds limit (=L). ..."; it limits what one {@code get_partitions_by_filter} returns, not
     * {@code get_partition_names} nor {@code get_partitions_by_names}.
     */
    private static final String PARTITION_REQUEST_LIMIT = "Number of partitions scanned";

    /** A number in a filter that the metastore's parser could not read, as the metastore words it. */
    private static final Pattern NUMBER_FORMAT = Pattern.compile("java\\.lang\\.NumberFormatException: For input string: \"(-?\\d+)\"");

    /**
     * Partitions per {@code get_partitions_by_names} call by default. Hive's
     * {@code hive.metastore.batch.retrieve.max} is 300; on a 100,000-partition metastore a call
     * costs about 70 ms besides its partitions, so larger batches are much faster.
     */
    public static final int DEFAULT_BATCH_SIZE = 2_000;

    /** Connections at most by default: enough for the planner's concurrent batch fetches. */
    public static final int DEFAULT_MAX_CONNECTIONS = 4;

    /** How long a connection waits for its metastore to take the TCP connection, and then to answer its first call, by default. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The key of the first call of each connection ({@code getMetaConf}): a setting a metastore
     * reads from its memory, so that the answer costs it nothing. A metastore that does not know
     * the key answers with an error, which is an answer too.
     */
    private static final String FIRST_CALL_KEY = HiveConf.ConfVars.METASTORE_TRY_DIRECT_SQL.varname;

    /** The setting that names Hive's default partition, which Hive's metastore client may read ({@code get_config_value}). */
    static final String DEFAULT_PARTITION_NAME_KEY = HiveConf.ConfVars.DEFAULTPARTITIONNAME.varname;

    /** The largest string or list the first call reads: its answer is one setting's value. */
    private static final long MAX_FIRST_ANSWER_BYTES = 64 * 1024;

    /** The metastores, in the order connections try them, each with the configuration of a client of it alone. */
    private final List<Metastore> metastores;
    /** The metastores as messages name them: {@code thrift://a:9083, thrift://b:9083}. */
    private final String addresses;
    private final int batchSize;
    private final Duration connectTimeout;
    /** The index of the metastore that new connections try first: the one that last answered, or the next after one that failed. */
    private final AtomicInteger preferred = new AtomicInteger();
    private final Semaphore permits;
    private final BlockingQueue<Connection> idle = new LinkedBlockingQueue<>();
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Hive's default partition's name: as told, else as the metastore answered when the catalog connected. */
    private volatile String defaultPartitionName = PartitionSpec.DEFAULT_PARTITION_VALUE;

    /**
     * A metastore of the service, and the configurations of a client that connects to it alone:
     * {@code conf} with Hive's socket timeout for every call, {@code firstCallConf} with the
     * connect timeout, for the connection and its first call.
     */
    private record Metastore(URI uri, HiveConf conf, HiveConf firstCallConf) {}

    /** A connection of the pool, to the metastore at {@code index} of the list. */
    private record Connection(int index, URI uri, HiveMetaStoreClient client) {}

    private ThriftHiveCatalog(List<Metastore> metastores, int batchSize, int maxConnections, Duration connectTimeout) {
        this.metastores = List.copyOf(metastores);
        this.addresses = metastores.stream().map(metastore -> metastore.uri().toString()).collect(Collectors.joining(", "));
        this.batchSize = batchSize;
        this.connectTimeout = connectTimeout;
        this.permits = new Semaphore(maxConnections);
    }

    /**
     * Connects to the metastore at {@code uri}.
     *
     * @throws InvalidInputException when the URI is not {@code thrift://host:port}, or has a
     *     user and password (not repeated)
     * @throws MetastoreUnavailableException when the metastore cannot be reached
     */
    public static ThriftHiveCatalog connect(URI uri) {
        return connect(List.of(requireNonNull(uri, "uri is null")));
    }

    /**
     * Connects to the first of the metastores at {@code uris} that answers, trying them in order
     * (as {@code hive.metastore.uris} names the metastores of a highly available service; Hive's
     * own client may try them in a random order).
     *
     * @throws InvalidInputException when a URI is not {@code thrift://host:port}, or has a user
     *     and password (not repeated)
     * @throws MetastoreUnavailableException when none of the metastores can be reached
     */
    public static ThriftHiveCatalog connect(List<URI> uris) {
        return connect(uris, DEFAULT_BATCH_SIZE, DEFAULT_MAX_CONNECTIONS);
    }

    /** As {@link #connect(List, int, int)}, to the metastore at {@code uri}. */
    public static ThriftHiveCatalog connect(URI uri, int batchSize, int maxConnections) {
        return connect(List.of(requireNonNull(uri, "uri is null")), batchSize, maxConnections);
    }

    /** As {@link #connect(List, int, int, Duration)}, with {@link #DEFAULT_CONNECT_TIMEOUT}. */
    public static ThriftHiveCatalog connect(List<URI> uris, int batchSize, int maxConnections) {
        return connect(uris, batchSize, maxConnections, DEFAULT_CONNECT_TIMEOUT);
    }

    /**
     * As {@link #connect(List, int, int, Duration, Optional)}, asking the metastore how it names
     * Hive's default partition.
     */
    public static ThriftHiveCatalog connect(List<URI> uris, int batchSize, int maxConnections, Duration connectTimeout) {
        return connect(uris, batchSize, maxConnections, connectTimeout, Optional.empty());
    }

    /**
     * Connects to the first of the metastores at {@code uris} that answers (one connection now,
     * more when calls overlap, each to the metastore that last answered, else the next that
     * answers after it); lists of partitions are fetched {@code batchSize} at a time.
     *
     * @param connectTimeout how long a connection waits for a metastore to take the TCP
     *     connection, and then to answer its first call, before it tries the next one
     * @param defaultPartitionName the name of Hive's default partition
     *     ({@code hive.exec.default.partition.name} as the Hive configuration sets it), or empty to
     *     ask the metastore, once, as the catalog connects: a metastore that refuses the key or
     *     fails to answer leaves it {@link PartitionSpec#DEFAULT_PARTITION_VALUE}, and the
     *     catalog connects all the same
     * @throws InvalidInputException when a URI is not {@code thrift://host:port}, or has a user
     *     and password (not repeated)
     * @throws MetastoreUnavailableException when none of the metastores can be reached
     */
    public static ThriftHiveCatalog connect(List<URI> uris, int batchSize, int maxConnections, Duration connectTimeout,
            Optional<String> defaultPartitionName) {
        requireNonNull(uris, "uris is null");
        requireNonNull(connectTimeout, "connectTimeout is null");
        requireNonNull(defaultPartitionName, "defaultPartitionName is null");
        if (defaultPartitionName.isPresent() && defaultPartitionName.get().isBlank()) {
            throw new IllegalArgumentException("defaultPartitionName is blank");
        }
        if (connectTimeout.toMillis() < 1 || connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connectTimeout must be at least 1 ms and at most %s ms: %s".formatted(Integer.MAX_VALUE, connectTimeout));
        }
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("uris is empty");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1: " + batchSize);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1: " + maxConnections);
        }
        // every address checked before any is tried: credentials are refused wherever they are in the list
        for (URI uri : uris) {
            requireNonNull(uri, "uris contains null");
            if (uri.getRawUserInfo() != null || uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
                // never repeated: the URI is in every message about the metastore, and in the logs
                throw new InvalidInputException("Invalid metastore URI: credentials are not accepted in a metastore address (thrift://<hidden>@...): "
                        + "expected thrift://host:port");
            }
        }
        List<Metastore> metastores = new ArrayList<>(uris.size());
        for (URI uri : uris) {
            if (!"thrift".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() <= 0) {
                throw new InvalidInputException("Invalid metastore URI '%s': expected thrift://host:port".formatted(uri));
            }
            if (uri.getPort() > 65_535) {
                // as hive.metastore.uris may give it: Hive's client would fail with "Invalid port", as if the metastore were down
                throw new InvalidInputException("Invalid metastore URI '%s': the port %d is out of range (1 to 65535)".formatted(uri, uri.getPort()));
            }
            HiveConf conf = new HiveConf();
            // one metastore per client, so that the order is ours (Hive 2.3's client shuffles its URIs) and a failure names its metastore
            conf.setVar(HiveConf.ConfVars.METASTOREURIS, uri.toString());
            conf.setIntVar(HiveConf.ConfVars.METASTORETHRIFTCONNECTIONRETRIES, 1);
            conf.setBoolVar(HiveConf.ConfVars.METASTORE_EXECUTE_SET_UGI, false);
            HiveConf firstCallConf = new HiveConf(conf);
            firstCallConf.setTimeVar(HiveConf.ConfVars.METASTORE_CLIENT_SOCKET_TIMEOUT, connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
            metastores.add(new Metastore(uri, conf, firstCallConf));
        }
        ThriftHiveCatalog catalog = new ThriftHiveCatalog(metastores, batchSize, maxConnections, connectTimeout);
        catalog.idle.add(catalog.openConnection());
        catalog.defaultPartitionName = defaultPartitionName.orElseGet(catalog::askDefaultPartitionName);
        return catalog;
    }

    /**
     * How the metastore names Hive's default partition, its {@code hive.exec.default.partition.name};
     * {@link PartitionSpec#DEFAULT_PARTITION_VALUE} when it does not say: it refuses the key
     * ({@code ConfigValSecurityException}), does not have the call, or fails. Never fails the
     * catalog: a metastore that cannot answer this fails the calls that matter on their own.
     */
    private String askDefaultPartitionName() {
        String name;
        try {
            name = withClient(client -> client.getConfigValue(DEFAULT_PARTITION_NAME_KEY, PartitionSpec.DEFAULT_PARTITION_VALUE));
        }
        catch (TException | CatalogException e) {
            LOG.info("The metastore at {} did not say how it names Hive's default partition ({}: {}); taking its default name, {}",
                    addresses, DEFAULT_PARTITION_NAME_KEY, e instanceof TException thrift ? describe(thrift) : e.getMessage(),
                    PartitionSpec.DEFAULT_PARTITION_VALUE);
            return PartitionSpec.DEFAULT_PARTITION_VALUE;
        }
        if (name == null || name.isBlank()) {
            LOG.info("The metastore at {} names Hive's default partition with a blank {}; taking its default name, {}",
                    addresses, DEFAULT_PARTITION_NAME_KEY, PartitionSpec.DEFAULT_PARTITION_VALUE);
            return PartitionSpec.DEFAULT_PARTITION_VALUE;
        }
        LOG.debug("The metastore at {} names Hive's default partition {}", addresses, name);
        return name;
    }

    @Override
    public String defaultPartitionName() {
        return defaultPartitionName;
    }

    /**
     * A connection to the metastore that last answered, else to the first after it, around the
     * list, that answers.
     *
     * @throws MetastoreUnavailableException naming every metastore, and why each could not be
     *     reached, when none answers
     */
    private Connection openConnection() {
        String[] reasons = new String[metastores.size()];
        boolean allUnreachable = true;
        Throwable cause = null;
        int first = preferred.get();
        for (int i = 0; i < metastores.size(); i++) {
            int index = (first + i) % metastores.size();
            Metastore metastore = metastores.get(index);
            try {
                Connection connection = new Connection(index, metastore.uri(), openClient(metastore));
                open.add(connection);
                preferred.set(index);
                return connection;
            }
            catch (TException | RuntimeException e) {
                Exception failure = e instanceof TException thrift ? hidden(thrift) : e;
                Optional<String> unreachable = failure instanceof NotAnsweringException ? Optional.empty() : unreachable(failure, metastore.uri().getHost());
                allUnreachable &= unreachable.isPresent();
                reasons[index] = unreachable.orElseGet(() -> failure instanceof TException thrift
                        ? describe(thrift)
                        : Secrets.hiddenIn(JAVA_TYPE.matcher(firstLine(failure)).replaceAll("")));
                if (cause == null) {
                    cause = failure;
                }
                else {
                    cause.addSuppressed(failure);
                }
            }
        }
        String verb = allUnreachable ? "reach" : "connect to";
        String message;
        if (Arrays.stream(reasons).distinct().count() == 1) {
            // Cannot reach the metastore at thrift://a:9083, thrift://b:9083: connection refused
            message = "Cannot %s the metastore at %s: %s".formatted(verb, addresses, reasons[0]);
        }
        else {
            // Cannot reach the metastore at thrift://a:9083: unknown host a; at thrift://b:9083: connection refused
            List<String> each = new ArrayList<>(reasons.length);
            for (int i = 0; i < reasons.length; i++) {
                each.add(metastores.get(i).uri() + ": " + reasons[i]);
            }
            message = "Cannot %s the metastore at %s".formatted(verb, String.join("; at ", each));
        }
        throw new MetastoreUnavailableException(message, cause);
    }

    /** Opens {@code socket}; a failure is the metastore's being unreachable, not its not answering. */
    private static void openSocket(TSocket socket) {
        try {
            socket.open();
        }
        catch (TTransportException e) {
            throw new UncheckedIOException(new IOException(e.getMessage(), e.getCause() != null ? e.getCause() : e));
        }
    }

    /**
     * Checks that the metastore at {@code uri} takes a TCP connection within the connect timeout,
     * and closes it: Hive's client would wait for its socket timeout, or the system's.
     *
     * @throws UncheckedIOException when it does not (refused, timed out, unknown host)
     */
    private void checkConnects(URI uri) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), toIntExact(connectTimeout.toMillis()));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot connect to " + uri + ": " + e.getMessage(), e);
        }
    }

    /** A metastore that took the connection but did not answer its first call: closed it, answered something else than Thrift, or nothing in time. */
    private static final class NotAnsweringException extends RuntimeException {
        NotAnsweringException(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /**
     * A client of {@code metastore}, once it has answered a first call within the connect timeout
     * on a connection of its own.
     *
     * <p>Over Hive's default transport (plain Thrift binary, neither SASL, framed, compact nor SSL)
     * the first call goes through a Thrift client that bounds the sizes it reads: Hive's reads the
     * first bytes of an answer that is not Thrift (an HTTP proxy's {@code HTTP/1.1 400}) as the
     * length of a string, 1.2 GB, and allocates it; this one reads only versioned messages, as
     * every metastore sends them, and strings and lists of bounded size. Other transports check
     * those bytes themselves (a frame's or a SASL message's length), and the first call goes
     * through Hive's client.
     *
     * @throws NotAnsweringException when the metastore closed the connection, answered something
     *     else than Thrift, or did not answer in time: a message that says which
     */
    private HiveMetaStoreClient openClient(Metastore metastore) throws TException {
        try {
            if (plainTransport(metastore.conf())) {
                TSocket socket = new TSocket(metastore.uri().getHost(), metastore.uri().getPort(), toIntExact(connectTimeout.toMillis()));
                // the connect, bounded by the timeout too: its failure (refused, timed out) is the metastore's being unreachable
                openSocket(socket);
                try {
                    new ThriftHiveMetastore.Client(new TBinaryProtocol(socket, MAX_FIRST_ANSWER_BYTES, MAX_FIRST_ANSWER_BYTES, true, true))
                            .getMetaConf(FIRST_CALL_KEY);
                }
                finally {
                    socket.close();
                }
            }
            else {
                // Hive's client connects with its own transport, under its socket timeout or the system's
                checkConnects(metastore.uri());
                HiveMetaStoreClient client = new HiveMetaStoreClient(metastore.firstCallConf());
                try {
                    client.getMetaConf(FIRST_CALL_KEY);
                }
                finally {
                    client.close();
                }
            }
        }
        catch (TTransportException | TProtocolException e) {
            throw new NotAnsweringException(firstCallFailure(e), hidden(e));
        }
        catch (MetaException | TApplicationException e) {
            // an error the metastore answered (a key it does not know, a call it does not have): it answers
        }
        // later calls may take long (a large partition listing): Hive's socket timeout
        return new HiveMetaStoreClient(metastore.conf());
    }

    /** Whether a client with {@code conf} speaks Thrift's binary protocol straight over TCP, as Hive's metastore does by default. */
    private static boolean plainTransport(HiveConf conf) {
        return !conf.getBoolVar(HiveConf.ConfVars.METASTORE_USE_THRIFT_SASL)
                && !conf.getBoolVar(HiveConf.ConfVars.METASTORE_USE_THRIFT_FRAMED_TRANSPORT)
                && !conf.getBoolVar(HiveConf.ConfVars.METASTORE_USE_THRIFT_COMPACT_PROTOCOL)
                && !conf.getBoolVar(HiveConf.ConfVars.HIVE_METASTORE_USE_SSL);
    }

    /** Why a connection's first call failed, in plain words: {@code no answer to its first call within 10 s}. */
    private String firstCallFailure(TException e) {
        if (timedOut(e)) {
            return "no answer to its first call within " + seconds(connectTimeout);
        }
        return describe(e);
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /**
     * What a Thrift failure says, in plain words: a transport failure without a message (the
     * metastore closed the connection: Thrift says nothing) is {@code the connection was closed};
     * a protocol failure is an answer that is not a metastore's.
     */
    private static String describe(TException e) {
        return Secrets.hiddenIn(describeAsIs(e));
    }

    private static String describeAsIs(TException e) {
        if (e instanceof TProtocolException) {
            return "the answer is not a metastore's (not Thrift)";
        }
        if (e instanceof TTransportException transport) {
            if (transport.getType() == TTransportException.END_OF_FILE) {
                return "the connection was closed";
            }
            if (transport.getCause() instanceof SocketException reset && reset.getMessage() != null
                    && (reset.getMessage().contains("reset") || reset.getMessage().contains("Broken pipe"))) {
                return "the connection was closed (" + reset.getMessage().toLowerCase(Locale.ROOT) + ")";
            }
            if (timedOut(e)) {
                return "no answer within the socket timeout (hive.metastore.client.socket.timeout)";
            }
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getCause() == null || e.getCause().getMessage() == null
                    ? "the connection was closed"
                    : JAVA_TYPE.matcher(firstLine(e.getCause())).replaceAll("");
        }
        return JAVA_TYPE.matcher(firstLine(e)).replaceAll("");
    }

    /**
     * Why the metastore at {@code host} could not be reached, in plain words ({@code connection
     * refused}, {@code unknown host nohost}), when {@code failure} says it: by the type of a cause,
     * or by the name of the type in a message, where Hive's client puts the last failure.
     */
    static Optional<String> unreachable(Throwable failure, String host) {
        for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            String text = (cause.getClass().getName() + ": " + cause.getMessage()).toLowerCase(Locale.ROOT);
            if (text.contains("unknownhostexception")) {
                return Optional.of("unknown host " + host);
            }
            if (text.contains("noroutetohostexception")) {
                return Optional.of("no route to host");
            }
            if (text.contains("connectexception") && text.contains("refused")) {
                return Optional.of("connection refused");
            }
            if (text.contains("sockettimeoutexception") && text.contains("connect")) {
                return Optional.of("connection timed out");
            }
        }
        return Optional.empty();
    }

    /**
     * The first line of {@code e}'s message: Hive's client puts the stack trace of the last
     * failure into the message of the exception it throws.
     */
    private static String firstLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message.lines().findFirst().orElse(message).strip();
    }

    /** A metastore call on one connection. */
    @FunctionalInterface
    private interface Call<T> {
        T call(HiveMetaStoreClient client) throws TException;
    }

    /** Runs {@code call} on an idle connection, or a new one when all are busy and the pool has room. */
    private <T> T withClient(Call<T> call) throws TException {
        if (closed) {
            throw new IllegalStateException("The catalog of " + addresses + " is closed");
        }
        permits.acquireUninterruptibly();
        try {
            Connection connection = idle.poll();
            if (connection == null) {
                connection = openConnection();
            }
            boolean healthy = false;
            try {
                T result = call.call(connection.client());
                healthy = true;
                return result;
            }
            catch (TException e) {
                TException failure = hidden(e);
                // NoSuchObjectException, MetaException and the like are answers; a transport failure, or an answer that is not
                // Thrift (the stream is then out of step), leaves the connection unusable.
                healthy = !(failure instanceof TTransportException || failure instanceof TProtocolException);
                if (!healthy) {
                    // the metastore may be down: its other connections would fail the retries too, where another metastore may answer;
                    // new connections start with the next one
                    preferred.compareAndSet(connection.index(), (connection.index() + 1) % metastores.size());
                    closeIdle(connection.uri());
                }
                throw failure;
            }
            finally {
                if (healthy && !closed) {
                    idle.add(connection);
                }
                else {
                    close(connection);
                }
            }
        }
        finally {
            permits.release();
        }
    }

    /**
     * {@code e} with the secrets in its message hidden ({@link Secrets#hiddenIn}), so that
     * neither a message that repeats it nor a log that prints the failure, or one that it causes,
     * shows them: a metastore that cannot open its database says so with the database's JDBC URL,
     * which may hold a password ({@code Unable to open a test connection to the given database.
     * JDBC url = jdbc:mysql://...&password=...}), in any of its errors, and a transport may
     * name a URL with a user and password.
     *
     * <p>An error the metastore declares ({@code MetaException}, {@code NoSuchObjectException},
     * {@code InvalidObjectException}, ...: a Thrift struct with a {@code message} field) is
     * hidden in place and returned; any other ({@code TApplicationException}, {@code
     * TTransportException}, {@code TProtocolException}), whose message cannot be changed, is
     * returned as a copy of the same type and type code, with the same stack trace and its
     * cause hidden likewise, when its message has secrets; else {@code e} itself.
     */
    static TException hidden(TException e) {
        if (e instanceof TBase<?, ?> answer) {
            hideMessage(answer);
            return e;
        }
        Throwable cause = e.getCause() instanceof TException thrift && thrift != e ? hidden(thrift) : e.getCause();
        String message = e.getMessage();
        String hiddenMessage = message == null ? null : Secrets.hiddenIn(message);
        if (Objects.equals(message, hiddenMessage) && cause == e.getCause()) {
            return e;
        }
        TException copy;
        if (e instanceof TApplicationException application) {
            copy = new TApplicationException(application.getType(), hiddenMessage);
            if (cause != null) {
                copy.initCause(cause);
            }
        }
        else if (e instanceof TTransportException transport) {
            copy = new TTransportException(transport.getType(), hiddenMessage, cause);
        }
        else if (e instanceof TProtocolException protocol) {
            copy = new TProtocolException(protocol.getType(), hiddenMessage, cause);
        }
        else {
            copy = new TException(hiddenMessage, cause);
        }
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    /** Hides the secrets in the {@code message} field of a Thrift struct, where it has one. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void hideMessage(TBase answer) {
        for (TFieldIdEnum field : FieldMetaData.getStructMetaDataMap(answer.getClass()).keySet()) {
            if (field.getFieldName().equals("message") && answer.getFieldValue(field) instanceof String message) {
                answer.setFieldValue(field, Secrets.hiddenIn(message));
            }
        }
    }

    private void closeIdle(URI uri) {
        for (Connection connection : idle) {
            if (connection.uri().equals(uri) && idle.remove(connection)) {
                close(connection);
            }
        }
    }

    private void close(Connection connection) {
        open.remove(connection);
        connection.client().close();
    }

    @Override
    public Optional<TableInfo> getTable(TableName name) {
        requireNonNull(name, "name is null");
        try {
            Table table = withClient(client -> client.getTable(name.database(), name.table()));
            String location = table.getSd() == null ? null : table.getSd().getLocation();
            String inputFormat = table.getSd() == null ? null : table.getSd().getInputFormat();
            List<FieldSchema> partitionKeys = table.getPartitionKeys() == null ? List.of() : table.getPartitionKeys();
            List<String> keys = partitionKeys.stream().map(FieldSchema::getName).toList();
            List<String> types = partitionKeys.stream().map(key -> key.getType() == null ? "string" : key.getType()).toList();
            return Optional.of(new TableInfo(name, String.valueOf(table.getTableType()), nonBlank(location), nonBlank(inputFormat), keys, types,
                    isTransactional(table.getParameters())));
        }
        catch (NoSuchObjectException e) {
            if (!databaseExists(name.database())) {
                throw new NoSuchTableException(name, "Database not found: %s (of table %s)".formatted(name.database(), name));
            }
            return Optional.empty();
        }
        catch (TException e) {
            throw failure("read table " + name, e);
        }
    }

    private boolean databaseExists(String database) {
        try {
            withClient(client -> client.getDatabase(database));
            return true;
        }
        catch (NoSuchObjectException e) {
            return false;
        }
        catch (TException e) {
            throw failure("read database " + database, e);
        }
    }

    @Override
    public Optional<PartitionInfo> getPartition(TableInfo table, PartitionSpec spec) {
        requireNonNull(table, "table is null");
        requireNonNull(spec, "spec is null");
        if (!spec.keys().equals(table.partitionKeys())) {
            throw new IllegalArgumentException("spec keys %s differ from the partition keys %s of %s".formatted(spec.keys(), table.partitionKeys(), table.name()));
        }
        try {
            Partition partition = withClient(client -> client.getPartition(table.name().database(), table.name().table(), spec.values()));
            return Optional.of(toPartitionInfo(table, partition));
        }
        catch (NoSuchObjectException e) {
            return Optional.empty();
        }
        catch (TException e) {
            throw failure("read partition %s of %s".formatted(spec, table.name()), e);
        }
    }

    /**
     * Fetched as Hive's batch retrieval does: the partition names, then the partitions by name,
     * the batch size given to {@link #connect(URI, int, int)} per call, so that no answer holds the storage descriptors of the whole
     * table (a single {@code get_partitions} of 100,000 partitions is hundreds of MB on both
     * sides).
     */
    @Override
    public List<PartitionInfo> listPartitions(TableInfo table) {
        requireNonNull(table, "table is null");
        try {
            return byNames(table, withClient(client -> client.listPartitionNames(table.name().database(), table.name().table(), (short) -1)));
        }
        catch (TException e) {
            throw failure("list partitions of " + table.name(), e);
        }
    }

    /**
     * In batches, as {@link #listPartitions(TableInfo)}. The metastore's {@code get_partition_names_ps}
     * matches its names with a pattern, {@code dt=2026-11-2.*} for the prefix {@code dt=2026-11-2},
     * in which a value is a prefix too and {@code .} any character: it names {@code dt=2026-11-20/hr=1}
     * and {@code v=1x5/n=1} (for {@code v=1.5}) as well. Only the names whose leading values are the
     * prefix's are kept.
     */
    @Override
    public List<PartitionInfo> listPartitions(TableInfo table, PartitionSpec prefix) {
        requireNonNull(table, "table is null");
        requireNonNull(prefix, "prefix is null");
        if (!prefix.isPrefixOf(table.partitionKeys())) {
            throw new IllegalArgumentException("spec keys %s are not a prefix of the partition keys %s of %s".formatted(prefix.keys(), table.partitionKeys(), table.name()));
        }
        try {
            List<String> names = withClient(client -> client.listPartitionNames(table.name().database(), table.name().table(), prefix.values(), (short) -1));
            return byNames(table, names.stream().filter(name -> isUnder(PartitionSpec.parseName(name), prefix)).toList());
        }
        catch (NoSuchObjectException e) {
            return List.of();
        }
        catch (TException e) {
            throw failure("list partitions %s of %s".formatted(prefix, table.name()), e);
        }
    }

    /** Whether the leading values of {@code spec} are those of {@code prefix}. */
    private static boolean isUnder(PartitionSpec spec, PartitionSpec prefix) {
        return spec.values().size() >= prefix.values().size() && spec.values().subList(0, prefix.values().size()).equals(prefix.values());
    }

    private List<PartitionInfo> byNames(TableInfo table, List<String> names) throws TException {
        List<PartitionInfo> result = new ArrayList<>(names.size());
        for (List<String> batch : Lists.partition(names, batchSize)) {
            for (Partition partition : withClient(client -> client.getPartitionsByNames(table.name().database(), table.name().table(), batch))) {
                result.add(toPartitionInfo(table, partition));
            }
        }
        result.sort(Comparator.comparing(PartitionInfo::spec, table.partitionOrder()));
        return result;
    }

    @Override
    public List<PartitionInfo> listPartitionsByFilter(TableInfo table, String filter) {
        requireNonNull(table, "table is null");
        requireNonNull(filter, "filter is null");
        // the metastore would take such a pattern's characters as themselves and match nothing: refused before it is asked
        // and a doubled quote, with which the metastore would ignore the rest of the filter
        PartitionFilterHints.unsupportedLike(filter).or(() -> PartitionFilterHints.doubledQuote(filter)).or(() -> ignoredRest(filter)).ifPresent(problem -> {
            throw invalidFilter(table, filter, problem);
        });
        try {
            List<Partition> matching = withClient(client -> client.listPartitionsByFilter(table.name().database(), table.name().table(), filter, (short) -1));
            return withoutDefaultPartitionsMatchedAsText(table, filter, sorted(table, matching));
        }
        catch (MetaException e) {
            if (refusesFilter(e.getMessage())) {
                // a valid filter on an int or date key that the metastore's JDO filter refuses, where its direct SQL is off or failed
                Optional<TypedFilter> typed = firstLine(e.getMessage()).startsWith(TYPED_KEYS_REFUSAL)
                        ? TypedFilter.parse(filter, table, defaultPartitionName)
                        : Optional.empty();
                if (typed.isPresent()) {
                    return byTypedFilter(table, typed.get(), "by %s (%s)".formatted(typedKeys(table), firstLine(e.getMessage())));
                }
                throw invalidFilter(table, filter, filterProblem(table, filter, e.getMessage()));
            }
            if (firstLine(e.getMessage()).startsWith(PARTITION_REQUEST_LIMIT)) {
                // more partitions match than the metastore returns in one answer: their names, filtered here, then the partitions in batches
                Optional<TypedFilter> all = TypedFilter.parseAll(filter, table, defaultPartitionName);
                if (all.isPresent()) {
                    return byTypedFilter(table, all.get(), "in one answer (%s)".formatted(firstLine(e.getMessage())));
                }
            }
            // the metastore failed otherwise (its database): as the other calls, not the user's filter
            throw failure("list partitions of %s by filter".formatted(table.name()), e);
        }
        catch (NoSuchObjectException e) {
            return List.of();
        }
        catch (TException e) {
            throw failure("list partitions of %s by filter".formatted(table.name()), e);
        }
    }

    /**
     * For a filter whose text goes on after a complete condition ({@code dt = 'a' garbage and hr =
     * 1}, {@code (hr = 1) hr = 2}): the metastore's parser stops there and evaluates what it read,
     * ignoring the rest, so that it would select other partitions than the filter says. Empty for
     * a filter it reads whole, and for one it cannot parse at all (which it refuses itself).
     */
    static Optional<String> ignoredRest(String filter) {
        FilterParser parser;
        try {
            parser = PartFilterExprUtil.getFilterParser(filter);
        }
        catch (MetaException | RuntimeException e) {
            return Optional.empty();
        }
        Token next = parser.getTokenStream().LT(1);
        if (next == null || next.getType() == Token.EOF || !(next instanceof CommonToken token) || token.getStartIndex() < 0) {
            return Optional.empty();
        }
        String read = filter.substring(0, token.getStartIndex()).strip();
        return Optional.of("the metastore's parser stops before %s and would select by %s alone, ignoring the rest: join conditions with and or or, "
                .formatted(filter.substring(token.getStartIndex()), read) + "and write a value with a quote in the other quotes (\"it's\")");
    }

    /**
     * {@code partitions}, which the metastore selected by {@code filter}, without Hive's default
     * partitions that the filter does not select with their null values: the metastore compares a
     * {@code string} key's value as text, so that {@code dt >= '2026-11-20'} or {@code dt != '2026-11-20'}
     * selects {@code dt=__HIVE_DEFAULT_PARTITION__} (as the metastore names the default partition,
     * {@link #defaultPartitionName()}), the rows whose {@code dt} is null, which Hive's
     * own partition pruning (and its direct SQL for an integer or {@code date} key) leaves out. A
     * filter {@link TypedFilter#parseAll} does not take keeps the metastore's answer.
     */
    private List<PartitionInfo> withoutDefaultPartitionsMatchedAsText(TableInfo table, String filter, List<PartitionInfo> partitions) {
        String nullName = defaultPartitionName;
        if (partitions.stream().noneMatch(partition -> partition.spec().hasNullValue(nullName))) {
            return partitions;
        }
        Optional<TypedFilter> typed = TypedFilter.parseAll(filter, table, nullName);
        if (typed.isEmpty()) {
            return partitions;
        }
        return partitions.stream().filter(partition -> !partition.spec().hasNullValue(nullName) || typed.get().matches(partition.spec())).toList();
    }

    /**
     * The partitions matching {@code filter}, which the metastore could not answer ({@code why}:
     * by which keys, and its refusal; or that it returns fewer partitions in one answer): the
     * table's partition names, filtered here, then the partitions of those that match, in
     * batches, as {@link #listPartitions(TableInfo)} fetches them.
     */
    private List<PartitionInfo> byTypedFilter(TableInfo table, TypedFilter filter, String why) {
        try {
            List<String> names = withClient(client -> client.listPartitionNames(table.name().database(), table.name().table(), (short) -1));
            List<String> matching = names.stream().filter(name -> filter.matches(PartitionSpec.parseName(name))).toList();
            LOG.info("The metastore at {} could not filter {} {}; gfsload filtered the table's {} partition names by \"{}\" itself: {} match",
                    addresses, table.name(), why, names.size(), filter, matching.size());
            return byNames(table, matching);
        }
        catch (NoSuchObjectException e) {
            return List.of();
        }
        catch (TException e) {
            throw failure("list partitions of %s by filter".formatted(table.name()), e);
        }
    }

    /** The table's partition keys of other types than string, with their types: {@code hr (int), d (date)}. */
    private static String typedKeys(TableInfo table) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < table.partitionKeys().size(); i++) {
            if (!table.partitionKeyTypes().get(i).equalsIgnoreCase("string")) {
                keys.add("%s (%s)".formatted(table.partitionKeys().get(i), table.partitionKeyTypes().get(i)));
            }
        }
        return String.join(", ", keys);
    }

    @Override
    public List<PartitionSpec> listPartitionSpecs(TableInfo table) {
        requireNonNull(table, "table is null");
        try {
            return withClient(client -> client.listPartitionNames(table.name().database(), table.name().table(), (short) -1)).stream()
                    .map(PartitionSpec::parseName)
                    .sorted(table.partitionOrder())
                    .toList();
        }
        catch (TException e) {
            throw failure("list partition names of " + table.name(), e);
        }
    }

    @Override
    public List<PartitionInfo> getPartitions(TableInfo table, List<PartitionSpec> specs) {
        requireNonNull(table, "table is null");
        requireNonNull(specs, "specs is null");
        if (specs.isEmpty()) {
            return List.of();
        }
        List<String> names = specs.stream().map(PartitionSpec::toPathName).toList();
        try {
            return byNames(table, names);
        }
        catch (TException e) {
            throw failure("read partitions of " + table.name(), e);
        }
    }

    private static List<PartitionInfo> sorted(TableInfo table, List<Partition> partitions) {
        return partitions.stream()
                .map(partition -> toPartitionInfo(table, partition))
                .sorted(Comparator.comparing(PartitionInfo::spec, table.partitionOrder()))
                .toList();
    }

    /**
     * Whether a {@link MetaException} with {@code message}, from {@code get_partitions_by_filter},
     * is the metastore's refusing the filter (bad input, exit 2) rather than its failing, e.g. its
     * database ({@code javax.jdo.JDODataStoreException: ...}), which is reported as any failed call.
     */
    static boolean refusesFilter(String message) {
        String line = message == null ? "" : firstLine(message);
        return FILTER_REFUSALS.stream().anyMatch(line::startsWith);
    }

    /**
     * What the metastore says is wrong with a filter, without its parser's internals ("lexer error: null; exception NoViableAltException(-1@[])"),
     * or, where its words mislead, what is wrong and how to write it instead.
     */
    private static String filterProblem(TableInfo table, String filter, String message) {
        String line = firstLine(message);
        if (line.startsWith("Error parsing partition filter")) {
            return PartitionFilterHints.unparsable(filter)
                    .or(() -> PartitionFilterHints.notOfCondition(filter))
                    .or(() -> PartitionFilterHints.keyOfUnfilterableType(filter, table))
                    .or(() -> PartitionFilterHints.fraction(filter, table))
                    .orElse("the metastore cannot parse it");
        }
        Matcher number = NUMBER_FORMAT.matcher(line);
        if (number.matches()) {
            return "the number %s is out of range: the metastore compares whole numbers from %d to %d".formatted(number.group(1), Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (line.startsWith(TYPED_KEYS_REFUSAL)) {
            return PartitionFilterHints.keyOfUnfilterableType(filter, table)
                    .or(() -> PartitionFilterHints.numberForStringKey(filter, table))
                    .or(() -> PartitionFilterHints.dateForStringKey(filter, table))
                    .or(() -> PartitionFilterHints.stringForNumericKey(filter, table))
                    .or(() -> PartitionFilterHints.notADate(filter, table))
                    .or(() -> PartitionFilterHints.likeOnNonStringKey(filter, table))
                    .or(() -> PartitionFilterHints.likeWithNonStringKey(filter, table))
                    .orElse(line);
        }
        return line;
    }

    private static InvalidInputException invalidFilter(TableInfo table, String filter, String problem) {
        return new InvalidInputException("Invalid filter \"%s\" for %s (partition keys: %s): %s"
                .formatted(filter, table.name(), String.join(", ", table.partitionKeys()), problem));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "rejected by the metastore";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }

    private static PartitionInfo toPartitionInfo(TableInfo table, Partition partition) {
        String location = partition.getSd() == null ? null : partition.getSd().getLocation();
        PartitionSpec spec = new PartitionSpec(table.partitionKeys(), partition.getValues());
        if (location == null || location.isBlank()) {
            throw new CatalogException("Partition %s of %s has no location".formatted(spec, table.name()));
        }
        return new PartitionInfo(spec, location);
    }

    private CatalogException failure(String action, TException e) {
        return new MetastoreUnavailableException("Cannot %s in the metastore at %s: %s".formatted(action, addresses, describe(e)), e);
    }

    /**
     * Whether a table's {@code parameters} make it a Hive ACID table: {@code transactional} is
     * {@code true}, both in any case, as the metastore's own validation reads them.
     */
    private static boolean isTransactional(Map<String, String> parameters) {
        return parameters != null && parameters.entrySet().stream()
                .anyMatch(parameter -> "transactional".equalsIgnoreCase(parameter.getKey()) && "true".equalsIgnoreCase(parameter.getValue()));
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    @Override
    public void close() {
        closed = true;
        for (Connection connection : open) {
            connection.client().close();
        }
        open.clear();
        idle.clear();
    }
}
