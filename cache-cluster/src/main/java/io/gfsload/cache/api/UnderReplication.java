package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The answer of {@link CacheClient#underReplicated}.
 *
 * @param count every under-replicated block under the prefix
 * @param blocks the first of them, at most the limit asked for, in the master's key order
 */
public record UnderReplication(long count, List<UnderReplicatedBlock> blocks) {
    public UnderReplication {
        requireNonNull(blocks, "blocks is null");
        blocks = List.copyOf(blocks);
    }
}
