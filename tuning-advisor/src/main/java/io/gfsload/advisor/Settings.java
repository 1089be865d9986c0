package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * Every tunable the advisor set, in a fixed order, each with its value, source and reason.
 *
 * <p>The names of the COS and GooseFS settings are the keys of their own configuration files, so
 * they can be written into {@code core-site.xml} and the cluster's properties as they are.
 */
public record Settings(List<Setting> values) implements Serializable {
    // gfsload's executor
    /** UFS reader threads the executor starts with. */
    public static final String UFS_READ_THREADS = "executor.ufs-read-threads";
    /** The adaptive controller's lower bound on reader threads. */
    public static final String MIN_UFS_READ_THREADS = "executor.min-ufs-read-threads";
    /** The adaptive controller's upper bound on reader threads (the memory bound). */
    public static final String MAX_UFS_READ_THREADS = "executor.max-ufs-read-threads";
    /** Bytes one UFS read asks for: the executor's readahead. */
    public static final String READ_BUFFER_BYTES = "executor.read-buffer-bytes";
    /** The most bytes the executor buffers at once. */
    public static final String IN_FLIGHT_BYTES = "executor.in-flight-bytes";
    /** Files the executor keeps open and queued for its readers. */
    public static final String ACTIVE_FILES = "executor.active-files";
    /** Ranged reads of one file at once, each on a stream of its own. */
    public static final String STREAMS_PER_FILE = "executor.streams-per-file";
    /** Weight at which the planner closes a task set. */
    public static final String TASK_SET_BYTES = "executor.task-set-bytes";

    // hadoop-cos (core-site.xml)
    public static final String COSN_BLOCK_SIZE = "fs.cosn.block.size";
    public static final String COSN_UPLOAD_THREAD_POOL = "fs.cosn.upload_thread_pool";
    public static final String COSN_READ_AHEAD_BLOCK_SIZE = "fs.cosn.read.ahead.block.size";
    public static final String COSN_READ_AHEAD_QUEUE_SIZE = "fs.cosn.read.ahead.queue.size";

    // the cache cluster's workers and job workers (GooseFS properties)
    public static final String WORKER_READER_BUFFER_SIZE = "goosefs.worker.network.reader.buffer.size";
    public static final String JOB_WORKER_MAX_ACTIVE_TASKS = "goosefs.job.worker.max.active.task.num";
    public static final String CLIENT_POOL_MAX = "goosefs.user.block.worker.client.pool.max";
    public static final String JOB_WORKER_THREADPOOL_SIZE = "goosefs.job.worker.threadpool.size";

    /**
     * GooseFS's client: {@code goosefs fs distributedLoad --active-jobs}. Not gfsload's own
     * {@code --active-jobs}, which sets {@link #ACTIVE_FILES}; its name says so, and it is no key
     * of the cluster's properties either.
     */
    public static final String GOOSEFS_ACTIVE_JOBS = "goosefs-distributedLoad.active-jobs";

    /** Prefix of the settings that belong in {@code core-site.xml}. */
    public static final String CORE_SITE_PREFIX = "fs.cosn.";
    /** Prefix of the settings that belong in the cache cluster's properties. */
    public static final String CLUSTER_PREFIX = "goosefs.";

    public Settings {
        values = List.copyOf(requireNonNull(values, "values is null"));
        Set<String> names = new HashSet<>();
        for (Setting setting : values) {
            if (!names.add(setting.name())) {
                throw new IllegalArgumentException("Duplicate setting " + setting.name());
            }
        }
    }

    /** @throws NoSuchElementException when there is no setting of that name */
    public Setting get(String name) {
        return find(name).orElseThrow(() -> new NoSuchElementException("No setting " + name));
    }

    public Optional<Setting> find(String name) {
        requireNonNull(name, "name is null");
        return values.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** @throws NoSuchElementException when there is no setting of that name */
    public long value(String name) {
        return get(name).value();
    }

    /** The settings whose names start with {@code prefix}, in order. */
    public List<Setting> withPrefix(String prefix) {
        requireNonNull(prefix, "prefix is null");
        return values.stream().filter(s -> s.name().startsWith(prefix)).toList();
    }

    /** The settings that came from {@code source}, in order. */
    public List<Setting> from(Setting.Source source) {
        requireNonNull(source, "source is null");
        return values.stream().filter(s -> s.source() == source).toList();
    }

    /**
     * These settings with one value replaced by an explicit one, which wins; the others are kept
     * as they are. Values the advisor derived from the replaced one are not recomputed: to have
     * them follow, pass the override to {@link TuningAdvisor#recommend(WorkloadProfile, List)}.
     *
     * @throws NoSuchElementException when there is no setting of that name
     */
    public Settings withOverride(String name, long value, Setting.Source source) {
        return withOverride(name, value, source, source == Setting.Source.FLAG ? "a flag" : "configuration");
    }

    /**
     * As {@link #withOverride(String, long, Setting.Source)}, naming what set the value.
     *
     * @param origin e.g. {@code --ufs-read-threads}
     */
    public Settings withOverride(String name, long value, Setting.Source source, String origin) {
        Setting current = get(name);
        List<Setting> replaced = new ArrayList<>(values);
        replaced.set(values.indexOf(current), current.overriddenBy(value, source, origin));
        return new Settings(replaced);
    }
}
