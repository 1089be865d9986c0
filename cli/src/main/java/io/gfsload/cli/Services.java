package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Throwables;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.NotACacheMasterException;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.local.ClusterInUseException;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.RetryingCachingCatalog;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.catalog.embedded.MetastoreInUseException;
import io.gfsload.catalog.thrift.HiveSite;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import io.gfsload.cli.demo.DemoDataset;
import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.Sleeper;
import io.gfsload.planner.InvalidRequestException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * The cache cluster and metastore a command talks to: the ones given with {@code --master} and
 * {@code --metastore}, or embedded ones under the gfsload home. Closes what it opened, in reverse
 * order.
 */
final class Services implements AutoCloseable {
    static final int EMBEDDED_WORKERS = 2;
    static final long EMBEDDED_WORKER_CAPACITY = 8L << 30;
    static final int METASTORE_ATTEMPTS = 3;
    /** Added when the embedded metastore or cluster is in use by another command. */
    static final String EMBEDDED_IN_USE_HINT = " (another gfsload command?): the embedded metastore and cache cluster serve one command at a "
            + "time, a load waiting for its --window included; to run commands side by side, use a cluster of processes ('gfsload cluster "
            + "start', then --master) and a metastore process ('gfsload metastore start', which commands without --metastore then use) or a metastore "
            + "of your own (--metastore)";

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private final Optional<HiveCatalog> catalog;
    private final CacheClient cache;
    private final Optional<DistributedLoad.Slices> slices;
    private final ConnectionOptions connection;
    private final Map<String, String> hadoopSettings;
    private final Clock clock;
    private final Sleeper sleeper;
    /** The deadline of each call to the master, in this process and in a Spark job's slices. */
    private final Duration masterTimeout;

    private Services(CliEnvironment environment, ConnectionOptions connection, Optional<MetastoreOptions> metastore, PrintWriter err) {
        this.slices = environment.slices();
        this.connection = connection;
        this.hadoopSettings = environment.hadoopSettings();
        this.clock = environment.clock();
        this.sleeper = environment.sleeper();
        if (slices.isPresent() && connection.master().isEmpty()) {
            // the embedded cluster lives in this process, out of the executors' reach
            throw new InvalidRequestException("A Spark job loads through its executors, which need a cache cluster they can reach: "
                    + "give its master with --master HOST:PORT");
        }
        // every argument is checked before the metastore and the cache are asked (and a Spark job's application starts only
        // when its first slice is submitted): where the metastore is, the master's address, the token
        Optional<List<URI>> metastores = metastore.isPresent() ? configuredMetastores(environment, metastore.get()) : Optional.empty();
        masterTimeout = environment.masterTimeout();
        Optional<GrpcCacheClient> master = connection.master().map(address -> connectMaster(address, masterTimeout));
        try {
            catalog = metastore.isPresent() ? Optional.of(openCatalog(environment, metastores, err)) : Optional.empty();
            cache = openCache(environment.home(), master);
        }
        catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Opens the cache and, when {@code metastore} is present, the metastore.
     *
     * @param err where a line says which metastore the command uses when it is not the one it
     *     was told: the one {@code gfsload metastore start} serves in place of the embedded one
     */
    static Services open(CliEnvironment environment, ConnectionOptions connection, Optional<MetastoreOptions> metastore, PrintWriter err) {
        requireNonNull(environment, "environment is null");
        requireNonNull(connection, "connection is null");
        requireNonNull(metastore, "metastore is null");
        requireNonNull(err, "err is null");
        return new Services(environment, connection, metastore, err);
    }

    /**
     * The metastores of {@code --metastore}, else the ones {@code $HIVE_CONF_DIR/hive-site.xml}
     * names, else empty: the one {@code gfsload metastore start} serves, or an embedded one.
     *
     * @throws InvalidRequestException in a Spark job that is given none
     */
    private static Optional<List<URI>> configuredMetastores(CliEnvironment environment, MetastoreOptions options) {
        Optional<List<URI>> uris = options.metastore().or(() -> environment.hiveConfDir().map(HiveSite::metastoreUris).filter(site -> !site.isEmpty()));
        if (uris.isEmpty() && environment.slices().isPresent()) {
            throw new InvalidRequestException("A Spark job reads the metastore its cluster uses: give it with --metastore thrift://HOST:PORT, "
                    + "or HIVE_CONF_DIR with a hive-site.xml that names it");
        }
        return uris;
    }

    /**
     * The catalog of the {@code configured} metastores (the first connection to the first of them,
     * in order, that answers, later ones to the one that last answered), else of the one {@code gfsload metastore start} serves from the
     * embedded metastore's directory, else of an embedded one with the demo table; retried and
     * cached. Hive's default partition is named as {@code $HIVE_CONF_DIR/hive-site.xml} sets
     * {@code hive.exec.default.partition.name}, else as the metastore says.
     */
    private HiveCatalog openCatalog(CliEnvironment environment, Optional<List<URI>> configured, PrintWriter err) {
        Optional<List<URI>> uris = configured;
        Path home = environment.home();
        if (uris.isEmpty()) {
            Optional<URI> served = MetastoreCommand.serving(home.resolve("metastore"));
            served.ifPresent(uri -> {
                err.println("Using the metastore that 'gfsload metastore start' serves from " + home.resolve("metastore").toAbsolutePath().normalize()
                        + ": " + uri);
                err.flush();
            });
            uris = served.map(List::of);
        }
        if (uris.isEmpty()) {
            EmbeddedMetastore metastore;
            try {
                metastore = register(EmbeddedMetastore.start(home.resolve("metastore")));
            }
            catch (MetastoreInUseException e) {
                throw new MetastoreInUseException(e.getMessage() + EMBEDDED_IN_USE_HINT, e);
            }
            DemoDataset.standard().ensure(metastore.uri(), home.resolve("demo"));
            uris = Optional.of(List.of(metastore.uri()));
        }
        Optional<String> defaultPartitionName = environment.hiveConfDir().flatMap(HiveSite::defaultPartitionName);
        ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(uris.get(), ThriftHiveCatalog.DEFAULT_BATCH_SIZE, ThriftHiveCatalog.DEFAULT_MAX_CONNECTIONS,
                ThriftHiveCatalog.DEFAULT_CONNECT_TIMEOUT, defaultPartitionName);
        return register(new RetryingCachingCatalog(catalog, METASTORE_ATTEMPTS, Duration.ofMillis(500)));
    }

    /**
     * A client of the master at {@code address}, not yet asked anything: checks the address and reads the token.
     *
     * @param masterTimeout the deadline of each call to the master ({@code $GFSLOAD_MASTER_TIMEOUT})
     */
    private GrpcCacheClient connectMaster(String address, Duration masterTimeout) {
        if (address.contains("@")) {
            // as --metastore: never repeated, the address is in every message about the master
            throw new InvalidRequestException("Invalid --master '<hidden>@%s': credentials are not accepted in a master address: expected HOST:PORT, "
                    .formatted(address.substring(address.lastIndexOf('@') + 1)) + "and the cluster's token in --token-file");
        }
        Optional<String> token = connection.token();
        try {
            // the client's defaults: the gfsload.cache.client.* keys of a cluster's config are for clients built with that file
            return register(GrpcCacheClient.connect(address, ClientConfig.defaults().withToken(token).withRpcTimeout(masterTimeout)));
        }
        catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid --master '%s': expected HOST:PORT".formatted(address));
        }
    }

    /** The cache of {@code master}, once it answers, or else an embedded cluster under {@code home}. */
    private CacheClient openCache(Path home, Optional<GrpcCacheClient> master) {
        if (master.isPresent()) {
            GrpcCacheClient client = master.get();
            try {
                client.clusterInfo();
            }
            catch (NotACacheMasterException e) {
                // a wrong address: calling it again cannot help
                throw new InvalidRequestException(e.getMessage() + ": check --master");
            }
            catch (CacheUnavailableException e) {
                if (e instanceof MasterUnavailableException unanswered && unanswered.unansweredWithin().isPresent()) {
                    // it took the connection and said nothing: a hung process, or a server that waits for another protocol
                    throw new CacheUnavailableException("The cache master at %s did not answer within %s"
                            .formatted(connection.master().orElseThrow(), LoadAction.describe(unanswered.unansweredWithin().get())), e);
                }
                // said plainly, before anything is planned: the calls of a load would say it about listing blocks
                String reason = String.valueOf(Throwables.getRootCause(e).getMessage());
                // the socket's own words, e.g. "Connection refused", without the transport's call name and errno
                throw new CacheUnavailableException("Cannot reach the cache master at " + connection.master().orElseThrow() + ": "
                        + reason.substring(reason.lastIndexOf(": ") + 1).strip(), e);
            }
            return client;
        }
        LocalCluster cluster;
        try {
            cluster = register(LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), EMBEDDED_WORKERS, EMBEDDED_WORKER_CAPACITY)));
        }
        catch (ClusterInUseException e) {
            throw new CacheException(e.getMessage() + EMBEDDED_IN_USE_HINT, e);
        }
        return register(cluster.newClient());
    }

    private <T extends AutoCloseable> T register(T resource) {
        opened.push(resource);
        return resource;
    }

    Optional<HiveCatalog> catalog() {
        return catalog;
    }

    /** The time a load's window is checked by. */
    Clock clock() {
        return clock;
    }

    /** How a load waits for its window on {@link #clock()}. */
    Sleeper sleeper() {
        return sleeper;
    }

    /** Where loads run in slices (the executors of the Spark job the command runs in), or empty: in this process. */
    Optional<DistributedLoad.Slices> slices() {
        return slices;
    }

    /** The Hadoop configuration the UFS is listed and read with: the site files', and the environment's settings over them. */
    Configuration hadoopConf() {
        Configuration conf = new Configuration();
        hadoopSettings.forEach(conf::set);
        return conf;
    }

    /**
     * What the slices of a load connect with: the master of {@code --master}, its token, {@code hadoopConf}'s settings, and the
     * deadline of a master call ({@code $GFSLOAD_MASTER_TIMEOUT}).
     */
    DistributedLoad.Connection sliceConnection(Configuration hadoopConf) {
        Map<String, String> settings = new HashMap<>();
        hadoopConf.forEach(entry -> settings.put(entry.getKey(), entry.getValue()));
        return new DistributedLoad.Connection(connection.master().orElseThrow(), connection.token(), settings, masterTimeout);
    }

    CacheClient cache() {
        return cache;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            }
            catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("Closing " + e.getMessage(), e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
