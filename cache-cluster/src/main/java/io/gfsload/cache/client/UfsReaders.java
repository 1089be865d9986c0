package io.gfsload.cache.client;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.proto.WorkerAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers that said, asked to pull a block, that they cannot read its file's directory of the
 * UFS (no file system for its scheme, outside the prefixes it pulls from, or a worker that does not
 * pull; not a file the store refuses it, which says nothing of the others), with what
 * they said: a pull has a worker that reads the directory read its blocks and forward them to the
 * others, so that a worker without access to the UFS fails no file of a load that another worker
 * can read. Learnt for the client's life, by directory (a worker may pull from some prefixes
 * only); thread-safe.
 */
final class UfsReaders {
    private static final Logger log = LoggerFactory.getLogger(UfsReaders.class);
    /** Directories remembered at most, the least recently used forgotten first. */
    static final int MAX_DIRECTORIES = 10_000;

    /** By directory, the workers that cannot read it and what each said; guarded by itself. */
    private final Map<String, Map<String, String>> unable = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, String>> eldest) {
            return size() > MAX_DIRECTORIES;
        }
    };
    /** Workers whose first directory they cannot read was logged: the others only at debug. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** The directory of {@code path}, with its trailing {@code /}: {@code cosn://b/t/dt=1/} of {@code cosn://b/t/dt=1/part-0}. */
    static String directory(String path) {
        return path.substring(0, path.lastIndexOf('/') + 1);
    }

    /**
     * Notes that {@code workerId} answered a pull of a file at {@code path} that it cannot read the
     * UFS, saying {@code why}; true when that was not known.
     */
    boolean cannotRead(String workerId, String path, String why) {
        requireNonNull(why, "why is null");
        String directory = directory(path);
        boolean learnt;
        synchronized (unable) {
            learnt = unable.computeIfAbsent(directory, key -> new LinkedHashMap<>()).putIfAbsent(workerId, why) == null;
        }
        if (learnt) {
            if (warned.add(workerId)) {
                log.warn("Worker {} cannot read {}, so other workers read the blocks it was to pull and forward it its replicas: {}",
                        workerId, directory, why);
            }
            else {
                log.debug("Worker {} cannot read {} either: {}", workerId, directory, why);
            }
        }
        return learnt;
    }

    /** Whether {@code workerId} is not known to be unable to read the directory of {@code path}. */
    boolean reads(String workerId, String path) {
        synchronized (unable) {
            Map<String, String> cannot = unable.get(directory(path));
            return cannot == null || !cannot.containsKey(workerId);
        }
    }

    /** {@code placed} with the workers not known to be unable to read {@code path}'s directory first, in their order, then the others in theirs. */
    List<WorkerAddress> readersFirst(List<WorkerAddress> placed, String path) {
        Map<String, String> cannot = cannotRead(path);
        if (cannot.isEmpty()) {
            return placed;
        }
        List<WorkerAddress> ordered = new ArrayList<>(placed.size());
        placed.stream().filter(worker -> !cannot.containsKey(worker.getWorkerId())).forEach(ordered::add);
        placed.stream().filter(worker -> cannot.containsKey(worker.getWorkerId())).forEach(ordered::add);
        return ordered;
    }

    /**
     * The options to place {@code block} again with when none of the workers placed for it reads
     * its file's directory: away from as many of the workers known not to as leaves room for its
     * replicas on the {@code liveWorkerIds} the options allow, so that at least one that reads it
     * is placed.
     *
     * @throws UfsPullException {@code UNREADABLE} when none of the live workers the options allow reads the directory
     */
    WriteOptions awayFromUnable(WriteOptions options, BlockKey block, Collection<String> liveWorkerIds) {
        Map<String, String> cannot = cannotRead(block.file().path());
        List<String> candidates = liveWorkerIds.stream().filter(id -> !options.workersNotToPlaceOn().contains(id)).sorted().toList();
        List<String> unableCandidates = candidates.stream().filter(cannot::containsKey).toList();
        if (unableCandidates.size() == candidates.size()) {
            throw noneReads(block);
        }
        int room = Math.min(unableCandidates.size(), candidates.size() - options.replicasToPlace());
        if (room <= 0) {
            return options;
        }
        Set<String> excluded = new TreeSet<>(options.excludedWorkers());
        excluded.addAll(unableCandidates.subList(0, room));
        return options.excluding(excluded);
    }

    /** The failure of a pull of {@code block} that no worker it may go to can read: what each of those that cannot said. */
    UfsPullException noneReads(BlockKey block) {
        String path = block.file().path();
        Map<String, String> cannot = cannotRead(path);
        return new UfsPullException(String.format("Pulling block %s failed: no worker it may go to reads %s: %s", block.blockId(), directory(path),
                cannot.values().stream().collect(Collectors.joining("; "))), UfsPullException.Reason.UNREADABLE, null);
    }

    /** The workers known to be unable to read the directory of {@code path}, with what they said. */
    private Map<String, String> cannotRead(String path) {
        synchronized (unable) {
            Map<String, String> cannot = unable.get(directory(path));
            return cannot == null ? Map.of() : new LinkedHashMap<>(cannot);
        }
    }
}
