package io.gfsload.cache.fs;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CacheAuthenticationException;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.ufs.UfsFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code gfs://}: a read-only view of a UFS directory through the gfsload cache. Reads come from
 * the cache workers for every block gfsload has cached for the file's current version, and from
 * the UFS for the others; listing and status come from the UFS.
 *
 * <p>Paths: {@code gfs:///x} is {@code <fs.gfs.ufs.root>/x}, and {@code gfs://<name>/x} is
 * {@code <fs.gfs.mount.<name>>/x}; the cache master is {@code fs.gfs.master}. See
 * {@link GfsConfig} for every key. A file's cache identity is its UFS path, length, modification
 * time and etag as the UFS reports them, which is exactly what gfsload's planner records, so the
 * blocks gfsload warmed are found and a file rewritten since is read from the UFS.
 *
 * <p>Writes ({@code create}, {@code append}, {@code rename}, {@code delete}, {@code mkdirs},
 * {@code truncate}, {@code concat}) and changes of attributes ({@code setPermission},
 * {@code setOwner}, {@code setTimes}, {@code setReplication}) fail with
 * {@link ReadOnlyFileSystemException}: write to the UFS itself.
 *
 * <p>Registered for the scheme {@code gfs} through {@code META-INF/services}; where service
 * loading is off, set {@code fs.gfs.impl=io.gfsload.cache.fs.GfsFileSystem}. Hadoop caches one
 * instance per scheme, authority and user. Bytes read are counted in the Hadoop
 * {@link FileSystem.Statistics} of the scheme and, split by origin, in {@link #readStatistics()}.
 *
 * <p>The master is never waited on for long: each call has {@code fs.gfs.master.timeout}, and once
 * one got no answer the instance reads every file from the UFS without asking the master, asking
 * it again at most every {@code fs.gfs.master.retry-interval} (see {@link MasterBackoff}).
 *
 * <p>Thread-safe.
 */
public class GfsFileSystem extends FileSystem {
    public static final String SCHEME = "gfs";
    private static final Logger log = LoggerFactory.getLogger(GfsFileSystem.class);
    /** How long the worker addresses behind block locations are reused. */
    private static final long WORKERS_TTL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final GfsReadStatistics readStatistics = new GfsReadStatistics();
    private URI uri;
    private GfsConfig config;
    private String ufsRoot;
    private FileSystem ufs;
    private CacheClient cache;
    private MasterBackoff masterBackoff;
    private volatile Path workingDirectory;
    private volatile CachedWorkers workers;
    /**
     * Whether the master refused this instance's token (none, or the wrong one), or the configured
     * token is not a valid one: the master is not asked (again).
     */
    private final AtomicBoolean refused = new AtomicBoolean();
    /** Whether {@link #close()} released the cache client: its calls would fail and every file be read from the UFS. */
    private volatile boolean closed;

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        setConf(conf);
        String authority = name.getAuthority();
        uri = URI.create(SCHEME + "://" + (authority == null ? "" : authority) + "/");
        config = GfsConfig.of(uri, conf);
        try {
            ufs = FileSystem.get(config.ufsRoot(), conf);
            ufsRoot = ufs.makeQualified(new Path(config.ufsRoot())).toString();
        }
        catch (IllegalArgumentException e) {
            // Hadoop's own words (Wrong FS: ROOT, expected: ...) repeat the root as given
            throw new IOException("Cannot use %s as the UFS root of %s: %s".formatted(GfsConfig.redacted(config.ufsRoot()), uri,
                    String.valueOf(e.getMessage()).replace(config.ufsRoot().toString(), GfsConfig.redacted(config.ufsRoot()))));
        }
        if (ufsRoot.endsWith("/")) {
            ufsRoot = ufsRoot.substring(0, ufsRoot.length() - 1);
        }
        workingDirectory = new Path(uri);
        try {
            cache = GrpcCacheClient.connect(config.master(), config.client());
        }
        catch (CacheException | IllegalArgumentException e) {
            throw new IOException("Cannot connect to the gfsload cache master " + config.master() + " for " + uri + ": " + e.getMessage(), e);
        }
        config.invalidToken().ifPresent(reason -> {
            // as for a token the master refuses: correct data from the UFS rather than failed queries over a cache setting
            refused.set(true);
            log.error("The {} of {} is not a valid token ({}): every file is read from the UFS, none from the cache. "
                    + "Set it to the cluster's token (core-site.xml, spark.hadoop.{} or a Hadoop credential provider)",
                    GfsConfig.SECURITY_TOKEN, uri, reason, GfsConfig.SECURITY_TOKEN);
        });
        masterBackoff = new MasterBackoff(config.master(), uri, config.masterTimeout(), config.masterRetryInterval(), readStatistics, System::nanoTime);
        log.info("{} reads {} through the cache at {}", uri, GfsConfig.redacted(config.ufsRoot()), config.master());
    }

    @Override
    public URI getUri() {
        return uri;
    }

    /** The settings this instance was created with. */
    public GfsConfig config() {
        return config;
    }

    /** Bytes read through this instance, from the cache and from the UFS. */
    public GfsReadStatistics readStatistics() {
        return readStatistics;
    }

    /** The UFS path behind {@code path} of this file system. */
    public Path toUfsPath(Path path) {
        Path qualified = makeQualified(path);
        String suffix = qualified.toUri().getPath();
        return new Path(suffix.equals("/") ? ufsRoot + "/" : ufsRoot + suffix);
    }

    /**
     * This file system's path for the UFS path {@code ufsPath}.
     *
     * @throws IllegalArgumentException when {@code ufsPath} is outside the UFS root
     */
    public Path toGfsPath(Path ufsPath) {
        String path = ufsPath.toString();
        if (path.equals(ufsRoot) || path.equals(ufsRoot + "/")) {
            return new Path(uri);
        }
        if (!path.startsWith(ufsRoot + "/")) {
            throw new IllegalArgumentException(ufsPath + " is outside " + GfsConfig.redacted(config.ufsRoot()) + ", the root of " + uri);
        }
        return new Path(uri.getScheme(), uri.getAuthority(), path.substring(ufsRoot.length()));
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        checkOpen();
        FileStatus status = ufsStatus(path);
        if (status.isDirectory()) {
            throw new FileNotFoundException("Cannot open " + path + ": it is a directory");
        }
        FileIdentity file = UfsFiles.identity(status);
        statistics.incrementReadOps(1);
        CachedLayout layout = CachedLayout.of(file, config.blockSize(), cachedBlocks(file));
        return new FSDataInputStream(new GfsInputStream(cache, masterBackoff, ufs, status.getPath(), file, layout, readStatistics, statistics));
    }

    /**
     * One location per block of {@code [start, start + length)}: a cached block's live workers (so
     * that a scheduler can place a split beside its cache), any other block where the UFS puts it.
     */
    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus status, long start, long length) throws IOException {
        if (status == null) {
            return null;
        }
        if (start < 0 || length < 0) {
            throw new IllegalArgumentException("Invalid start or length: " + start + ", " + length);
        }
        if (status.isDirectory() || status.getLen() <= start) {
            return new BlockLocation[0];
        }
        checkOpen();
        FileStatus ufsStatus = ufsStatus(status.getPath());
        FileIdentity file = UfsFiles.identity(ufsStatus);
        CachedLayout layout = CachedLayout.of(file, config.blockSize(), cachedBlocks(file));
        Map<String, WorkerInfo> workers = layout.cached().isEmpty() ? Map.of() : liveWorkers();
        // start < file.length(): no overflow for a length of Long.MAX_VALUE ("to the end")
        long end = start + Math.min(Math.max(length, 1), file.length() - start);
        List<BlockLocation> locations = new ArrayList<>();
        for (int index = Math.toIntExact(start / layout.blockSize()); (long) index * layout.blockSize() < end; index++) {
            long offset = index * layout.blockSize();
            long blockLength = CachedLayout.blockLength(file.length(), layout.blockSize(), index);
            CachedBlock cached = layout.cached().get(index);
            List<WorkerInfo> holders = cached == null ? List.of() : cached.workerIds().stream().map(workers::get).filter(Objects::nonNull).toList();
            if (!holders.isEmpty()) {
                locations.add(new BlockLocation(holders.stream().map(worker -> worker.host() + ":" + worker.port()).toArray(String[]::new),
                        holders.stream().map(WorkerInfo::host).toArray(String[]::new), offset, blockLength));
                continue;
            }
            BlockLocation[] inUfs = ufs.getFileBlockLocations(ufsStatus, offset, blockLength);
            if (inUfs != null && inUfs.length > 0) {
                locations.add(new BlockLocation(inUfs[0].getNames(), inUfs[0].getHosts(), offset, blockLength));
            }
            else {
                locations.add(new BlockLocation(new String[0], new String[0], offset, blockLength));
            }
        }
        return locations.toArray(BlockLocation[]::new);
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        checkOpen();
        statistics.incrementReadOps(1);
        return toGfsStatus(ufsStatus(path));
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        checkOpen();
        statistics.incrementReadOps(1);
        Path ufsPath = toUfsPath(path);
        FileStatus[] children;
        try {
            children = ufs.listStatus(ufsPath);
        }
        catch (FileNotFoundException e) {
            throw notFound(path, ufsPath, e);
        }
        FileStatus[] result = new FileStatus[children.length];
        for (int i = 0; i < children.length; i++) {
            result[i] = toGfsStatus(children[i]);
        }
        return result;
    }

    /** The UFS status of {@code path}; a missing path is named as given and as the UFS path. */
    private FileStatus ufsStatus(Path path) throws IOException {
        Path ufsPath = toUfsPath(path);
        try {
            return ufs.getFileStatus(ufsPath);
        }
        catch (FileNotFoundException e) {
            throw notFound(path, ufsPath, e);
        }
    }

    /** The UFS's own words name the path it was given, often a local one: the caller asked for {@code path}. */
    private FileNotFoundException notFound(Path path, Path ufsPath, FileNotFoundException e) {
        FileNotFoundException notFound = new FileNotFoundException("File %s does not exist (%s in the UFS)".formatted(makeQualified(path), ufsPath));
        notFound.initCause(e);
        return notFound;
    }

    /** The blocks cached for {@code file}; none when the master cannot be asked (the UFS serves everything). */
    private List<CachedBlock> cachedBlocks(FileIdentity file) {
        if (file.length() == 0) {
            return List.of();
        }
        return askMaster("the blocks of " + file.path(), () -> cache.cachedBlocks(file), List.of());
    }

    /** Live workers by id, asked of the master at most every {@link #WORKERS_TTL_NANOS}. */
    private Map<String, WorkerInfo> liveWorkers() {
        CachedWorkers current = workers;
        long now = System.nanoTime();
        if (current != null && now - current.fetchedNanos() < WORKERS_TTL_NANOS) {
            return current.byId();
        }
        Map<String, WorkerInfo> byId = askMaster("its workers", () -> cache.clusterInfo().liveWorkers().stream()
                .collect(Collectors.toMap(WorkerInfo::id, Function.identity(), (a, b) -> a)), null);
        if (byId == null) {
            return Map.of();
        }
        workers = new CachedWorkers(byId, now);
        return byId;
    }

    /**
     * The master's answer to {@code call}, or {@code otherwise} when the master refuses this
     * instance, does not answer, answers with an error, or is not asked because it has not
     * answered lately ({@link MasterBackoff}).
     */
    private <T> T askMaster(String what, Supplier<T> call, T otherwise) {
        if (refused.get() || !masterBackoff.tryAsk()) {
            return otherwise;
        }
        try {
            T answer = call.get();
            masterBackoff.answered();
            return answer;
        }
        catch (MasterUnavailableException e) {
            masterBackoff.unanswered(e.getMessage());
            return otherwise;
        }
        catch (CacheAuthenticationException e) {
            masterBackoff.answered();
            refused(e);
            return otherwise;
        }
        catch (CacheException e) {
            masterBackoff.answered();
            log.warn("Cannot ask the cache master {} for {}, reading from the UFS: {}", config.master(), what, e.getMessage());
            return otherwise;
        }
        finally {
            masterBackoff.done();
        }
    }

    /**
     * The master refused this instance's token: said once, with what to do, and the master is not
     * asked again by this instance, whose token cannot change; every file is read from the UFS,
     * correct but not warmed.
     */
    private void refused(CacheAuthenticationException e) {
        if (refused.compareAndSet(false, true)) {
            // "Listing the cached blocks of F at master M failed: the call carries no token (UNAUTHENTICATED)": the reason
            String message = String.valueOf(e.getMessage());
            String reason = message.substring(message.lastIndexOf(": ") + 1).replace(" (UNAUTHENTICATED)", "").strip();
            log.error("The cache master {} refuses the calls of {} ({}): every file is read from the UFS, none from the cache. "
                    + "Set {} to the cluster's token (core-site.xml, spark.hadoop.{} or a Hadoop credential provider)",
                    config.master(), uri, reason, GfsConfig.SECURITY_TOKEN, GfsConfig.SECURITY_TOKEN);
        }
    }

    private record CachedWorkers(Map<String, WorkerInfo> byId, long fetchedNanos) {}

    /** The UFS status with this file system's path and, for files, the cache's block size. */
    private FileStatus toGfsStatus(FileStatus status) {
        return new FileStatus(status.getLen(), status.isDirectory(), status.getReplication(),
                status.isDirectory() ? status.getBlockSize() : config.blockSize(), status.getModificationTime(), status.getAccessTime(),
                status.getPermission(), status.getOwner(), status.getGroup(), toGfsPath(status.getPath()));
    }

    /** The cache's block size ({@value GfsConfig#BLOCK_SIZE}), as every file's status has it. */
    @Override
    public long getDefaultBlockSize(Path path) {
        return config.blockSize();
    }

    /** As {@link #getDefaultBlockSize(Path)}: one block size for the whole file system. */
    @Override
    @SuppressWarnings("deprecation")
    public long getDefaultBlockSize() {
        return config.blockSize();
    }

    @Override
    public FSDataOutputStream create(Path path, FsPermission permission, boolean overwrite, int bufferSize, short replication,
            long blockSize, Progressable progress) throws IOException {
        throw readOnly("create", path);
    }

    @Override
    public FSDataOutputStream append(Path path, int bufferSize, Progressable progress) throws IOException {
        throw readOnly("append to", path);
    }

    @Override
    public boolean rename(Path source, Path target) throws IOException {
        throw readOnly("rename", source);
    }

    @Override
    public boolean delete(Path path, boolean recursive) throws IOException {
        throw readOnly("delete", path);
    }

    @Override
    public boolean mkdirs(Path path, FsPermission permission) throws IOException {
        throw readOnly("create the directory", path);
    }

    @Override
    public FSDataOutputStream createNonRecursive(Path path, FsPermission permission, EnumSet<CreateFlag> flags, int bufferSize,
            short replication, long blockSize, Progressable progress) throws IOException {
        throw readOnly("create", path);
    }

    @Override
    public boolean truncate(Path path, long newLength) throws IOException {
        throw readOnly("truncate", path);
    }

    @Override
    public void concat(Path target, Path[] sources) throws IOException {
        throw readOnly("concatenate files into", target);
    }

    // Hadoop's defaults of the four below do nothing and report success: a caller would take the change as made

    @Override
    public void setPermission(Path path, FsPermission permission) throws IOException {
        throw readOnly("set the permission of", path);
    }

    @Override
    public void setOwner(Path path, String owner, String group) throws IOException {
        throw readOnly("set the owner of", path);
    }

    @Override
    public void setTimes(Path path, long modificationTime, long accessTime) throws IOException {
        throw readOnly("set the times of", path);
    }

    @Override
    public boolean setReplication(Path path, short replication) throws IOException {
        throw readOnly("set the replication of", path);
    }

    @Override
    public void setWorkingDirectory(Path directory) {
        workingDirectory = makeQualified(requireNonNull(directory, "directory is null"));
    }

    @Override
    public Path getWorkingDirectory() {
        return workingDirectory;
    }

    /**
     * The UFS, which this file system reads as its caller: a job's delegation tokens for
     * {@code gfs://} paths ({@link #addDelegationTokens}, as MapReduce, Tez and Spark gather them
     * under Kerberos) are the UFS's. {@code gfs://} issues none of its own, so its canonical service
     * name is {@code null}, rather than Hadoop's default built from the authority, which for a
     * mount's name (not a host) fails with {@code UnknownHostException}.
     */
    @Override
    public FileSystem[] getChildFileSystems() {
        return ufs == null ? null : new FileSystem[] {ufs};
    }

    @Override
    public void close() throws IOException {
        closed = true;
        try {
            if (cache != null) {
                cache.close();
            }
        }
        finally {
            super.close();
        }
    }

    /** As HDFS and S3A do: a closed instance fails rather than read everything from the UFS with a warning per file. */
    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(uri + " is closed");
        }
    }

    private ReadOnlyFileSystemException readOnly(String operation, Path path) {
        return new ReadOnlyFileSystemException("Cannot %s %s: gfs:// is a read-only view of %s through the gfsload cache; write to the UFS instead"
                .formatted(operation, path, GfsConfig.redacted(config.ufsRoot())));
    }
}
