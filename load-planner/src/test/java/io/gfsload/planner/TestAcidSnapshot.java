package io.gfsload.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.FileIdentity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which directories of a location of a Hive ACID table are obsolete, by their names, as Hive's
 * {@code AcidUtils.getAcidState} decides without a transaction list; the layouts are those Hive 3
 * writes (seven digits of write id, four of statement id, {@code _v} and seven digits of the
 * compactor's transaction).
 */
class TestAcidSnapshot {
    @Test
    void theNewestBaseMakesOlderBasesAndTheDeltasItHoldsObsolete() {
        AcidSnapshot.Obsolete obsolete = AcidSnapshot.obsolete(List.of("base_0000005", "base_0000010_v0000042", "delta_0000004_0000004_0000",
                "delta_0000010_0000010_0000", "delete_delta_0000008_0000008_0000", "delta_0000006_0000011_v0000050", "delta_0000011_0000011_0000",
                "delta_0000012_0000012_0000", "delete_delta_0000012_0000012_0000"));

        assertEquals(Set.of("base_0000005", "delta_0000004_0000004_0000", "delta_0000010_0000010_0000", "delete_delta_0000008_0000008_0000",
                "delta_0000011_0000011_0000"), obsolete.directories(), "a delta reaching above the base (6 to 11) is read, as Hive reads it");
        assertTrue(obsolete.originals(), "the original files are in the base");
    }

    @Test
    void aMinorCompactedDeltaMakesTheDeltasItCoversObsoleteAndDeleteDeltasApart() {
        AcidSnapshot.Obsolete obsolete = AcidSnapshot.obsolete(List.of("delta_0000001_0000001_0000", "delta_0000002_0000002_0000",
                "delta_0000003_0000003_0000", "delta_0000001_0000003_v0000050", "delta_0000004_0000004_0000", "delete_delta_0000002_0000002_0000",
                "delete_delta_0000004_0000004_0000", "delete_delta_0000001_0000003_v0000050"));

        assertEquals(Set.of("delta_0000001_0000001_0000", "delta_0000002_0000002_0000", "delta_0000003_0000003_0000", "delete_delta_0000002_0000002_0000"),
                obsolete.directories());
        assertFalse(obsolete.originals(), "without a base, the original files are read");
    }

    @Test
    void deltasAndDeleteDeltasCoverOnlyTheirOwnKind() {
        AcidSnapshot.Obsolete obsolete = AcidSnapshot.obsolete(List.of("delta_0000001_0000005", "delete_delta_0000002_0000002_0000",
                "delete_delta_0000001_0000005", "delta_0000003_0000003_0000"));

        assertEquals(Set.of("delete_delta_0000002_0000002_0000", "delta_0000003_0000003_0000"), obsolete.directories());
        assertEquals(Set.of(), AcidSnapshot.obsolete(List.of("delta_0000001_0000005", "delete_delta_0000002_0000002_0000")).directories(),
                "a delete delta that no wider delete delta covers is read");
    }

    @Test
    void everyStatementOfATransactionIsReadUntilACompactedDeltaHasThem() {
        assertEquals(Set.of(), AcidSnapshot.obsolete(List.of("delta_0000005_0000005_0000", "delta_0000005_0000005_0001", "delta_0000005_0000005_0002"))
                .directories());
        assertEquals(Set.of("delta_0000005_0000005_0000", "delta_0000005_0000005_0001"),
                AcidSnapshot.obsolete(List.of("delta_0000005_0000005_0000", "delta_0000005_0000005_0001", "delta_0000005_0000005")).directories());
    }

    @Test
    void bothBasesOfTheNewestWriteIdAreRead() {
        assertEquals(Set.of("base_0000007"), AcidSnapshot.obsolete(List.of("base_0000007", "base_0000009", "base_0000009_v0000060")).directories());
    }

    @Test
    void aNameThatDoesNotParseIsRead() {
        List<String> names = List.of("base_0000010", "base_x", "base_-1", "base_99999999999999999999", "delta_0000005", "delta_1_2_3_4", "delta_+1_+1",
                "delete_delta_0000001_0000001_x", "HIVE_UNION_SUBDIR_1", "delta_0000009_0000009_0000");

        assertEquals(Set.of("delta_0000009_0000009_0000"), AcidSnapshot.obsolete(names).directories());
    }

    @Test
    void theAnswerDoesNotDependOnTheOrderOfTheNames() {
        List<String> names = new ArrayList<>(List.of("base_0000003", "delta_0000001_0000001_0000", "delta_0000004_0000004_0000", "delta_0000004_0000006",
                "delta_0000005_0000005_0000", "delta_0000004_0000006_v0000070", "delete_delta_0000005_0000005_0000", "base_0000002"));
        AcidSnapshot.Obsolete sorted = AcidSnapshot.obsolete(names);
        Collections.reverse(names);

        assertEquals(sorted, AcidSnapshot.obsolete(names));
        assertEquals(Set.of("base_0000002", "delta_0000001_0000001_0000", "delta_0000004_0000004_0000", "delta_0000005_0000005_0000"),
                sorted.directories());
    }

    @Test
    void theFilesOfObsoleteDirectoriesAndTheOriginalsUnderABaseAreLeftOutAndCounted() {
        String root = "hdfs://nn:8020/warehouse/orders/dt=1";
        List<FileIdentity> files = List.of(file(root + "/000000_0", 3), file(root + "/base_0000001/bucket_00000", 5),
                file(root + "/base_0000002/bucket_00000", 7), file(root + "/delta_0000002_0000002_0000/bucket_00000", 11),
                file(root + "/delta_0000003_0000003_0000/bucket_00000", 13), file(root + "/notes/base_0000009/readme", 17),
                file("hdfs://nn:8020/elsewhere/base_0000001/bucket_00000", 19));
        List<UnlistedDirectory> unlisted = List.of(new UnlistedDirectory(root + "/base_0000001", "permission denied"),
                new UnlistedDirectory(root + "/delta_0000003_0000003_0000/sub", "permission denied"));

        AcidSnapshot.Selection selection = AcidSnapshot.select(root + "/", files, unlisted);

        assertEquals(List.of(files.get(2), files.get(4), files.get(5), files.get(6)), selection.files(),
                "what is not directly under the location is read, whatever its name");
        assertEquals(List.of(unlisted.get(1)), selection.unlistedDirectories());
        assertEquals(3, selection.obsoleteFiles());
        assertEquals(3 + 5 + 11, selection.obsoleteBytes());
    }

    @Test
    void aDirectoryNotListedCountsAsOneThatHoldsData() {
        String root = "file:/warehouse/orders";
        List<FileIdentity> files = List.of(file(root + "/base_0000001/bucket_00000", 5));
        List<UnlistedDirectory> unlisted = List.of(new UnlistedDirectory(root + "/base_0000002", "permission denied"));

        AcidSnapshot.Selection selection = AcidSnapshot.select(root, files, unlisted);

        assertEquals(List.of(), selection.files(), "the newest base is the one not listed: its files are unknown, the older base obsolete");
        assertEquals(unlisted, selection.unlistedDirectories());
    }

    private static FileIdentity file(String path, long length) {
        return new FileIdentity(path, length, 1_000, "");
    }
}
