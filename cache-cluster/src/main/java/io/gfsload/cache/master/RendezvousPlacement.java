package io.gfsload.cache.master;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Chooses the workers of a block's replicas by rendezvous (highest-random-weight) hashing.
 *
 * <p>Every candidate worker gets a weight from a stable hash of the block id and the worker id;
 * the heaviest ones win. The result depends only on the block id and the set of candidates (not
 * their order, not the JVM), and adding or losing a worker moves only the replicas that worker
 * wins or held.
 */
public final class RendezvousPlacement {
    private static final HashFunction HASH = Hashing.murmur3_128();

    private RendezvousPlacement() {}

    /**
     * The {@code replicas} distinct workers of {@code candidates} with the highest weight for
     * {@code blockId}, heaviest first.
     *
     * @throws IllegalArgumentException when there are fewer distinct candidates than replicas
     */
    public static List<String> choose(String blockId, Set<String> candidates, int replicas) {
        requireNonNull(blockId, "blockId is null");
        requireNonNull(candidates, "candidates is null");
        checkArgument(replicas >= 1, "replicas must be >= 1: %s", replicas);
        checkArgument(candidates.size() >= replicas, "%s replicas need as many candidates, got %s",
                replicas, candidates.size());
        Comparator<String> heaviestFirst = Comparator
                .<String>comparingLong(worker -> weight(blockId, worker))
                .reversed()
                .thenComparing(Comparator.naturalOrder());
        return candidates.stream().sorted(heaviestFirst).limit(replicas).toList();
    }

    /** The weight of {@code workerId} for {@code blockId}; compared as a signed long. */
    static long weight(String blockId, String workerId) {
        return HASH.newHasher()
                .putString(blockId, StandardCharsets.UTF_8)
                .putByte((byte) 0)
                .putString(workerId, StandardCharsets.UTF_8)
                .hash()
                .asLong();
    }
}
