package io.gfsload.cache.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which files a worker pulls blocks from ({@code gfsload.cache.worker.pull.allowed}). */
class BlockPullerTest {
    @Test
    void withoutPrefixesAWorkerPullsFromStoresButNotFromTheFilesOfItsHost() {
        List<String> unset = List.of();
        assertTrue(BlockPuller.allows(unset, "cosn://bucket/warehouse/t/part-0"));
        assertTrue(BlockPuller.allows(unset, "hdfs://nn:8020/warehouse/t/part-0"));
        assertFalse(BlockPuller.allows(unset, "file:/etc/shadow"));
        assertFalse(BlockPuller.allows(unset, "file:///etc/shadow"));
        assertFalse(BlockPuller.allows(unset, "/etc/shadow"), "a path without a scheme is a local one");
        assertFalse(BlockPuller.allows(unset, "FILE:/etc/shadow"));
    }

    @Test
    void withPrefixesOnlyTheFilesUnderThemWhateverTheFormOfTheirUris() {
        List<String> allowed = List.of("file:///data/warehouse/", "cosn://bucket/warehouse");
        assertTrue(BlockPuller.allows(allowed, "file:/data/warehouse/t/part-0"));
        assertTrue(BlockPuller.allows(allowed, "file:///data/warehouse/t/part-0"));
        assertTrue(BlockPuller.allows(allowed, "/data/warehouse/t/part-0"));
        assertTrue(BlockPuller.allows(allowed, "cosn://bucket/warehouse/t/part-0"));
        assertFalse(BlockPuller.allows(allowed, "cosn://bucket/warehouse2/t/part-0"), "a sibling that only starts with the prefix");
        assertFalse(BlockPuller.allows(allowed, "cosn://other/warehouse/t/part-0"));
        assertFalse(BlockPuller.allows(allowed, "file:/data/warehouse/../../etc/shadow"), "no .. out of a prefix");
        assertFalse(BlockPuller.allows(allowed, "file:/etc/shadow"));
        assertFalse(BlockPuller.allows(allowed, "hdfs://nn:8020/warehouse/t/part-0"));
    }

    @Test
    void anAsteriskAllowsEveryFile() {
        assertTrue(BlockPuller.allows(List.of("*"), "file:/etc/hosts"));
    }
}
