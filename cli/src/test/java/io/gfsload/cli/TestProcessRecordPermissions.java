package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.gfsload.cli.ClusterCommand.ClusterRecord;
import io.gfsload.cli.ClusterCommand.ProcessRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster.json} keeps the JVM options of the cluster's processes to start them again: one
 * that holds a secret ({@code -Dfs.cosn.userinfo.secretKey=...}) makes it readable by its owner only.
 */
class TestProcessRecordPermissions {
    private static final ProcessRecordFile<ClusterRecord> RECORD = new ProcessRecordFile<>(ClusterCommand.CLUSTER_FILE, ClusterRecord.class,
            ProcessRecordFile.Subject.CACHE_CLUSTER, record -> Optional.empty());

    @TempDir
    Path directory;

    @Test
    void aRecordWithASecretIsReadableByItsOwnerOnlyFromItsCreationOn() throws IOException {
        // under a umask of 077 every new file is rw-------: the record's own permissions would not show
        Set<PosixFilePermission> defaults = Files.getPosixFilePermissions(Files.createFile(directory.resolve("any-new-file")));
        assumeFalse(defaults.equals(PosixFilePermissions.fromString("rw-------")), "new files are " + PosixFilePermissions.toString(defaults));
        Path file = directory.resolve(ClusterCommand.CLUSTER_FILE);
        // an earlier record, readable by all
        RECORD.write(directory, record(List.of("-Xmx256m")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        RECORD.write(directory, record(List.of("-Xmx256m", "-Dfs.cosn.userinfo.secretKey=S3cretJavaOption")));

        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        assertTrue(Files.readString(file).contains("S3cretJavaOption"), "kept, to start the same processes again");
    }

    @Test
    void aRecordWithoutSecretsGetsTheDefaultPermissions() throws IOException {
        Set<PosixFilePermission> defaults = Files.getPosixFilePermissions(Files.createFile(directory.resolve("any-new-file")));

        RECORD.write(directory, record(List.of("-Xmx256m", "-Dfs.s3a.endpoint=http://127.0.0.1:9000")));

        assertEquals(defaults, Files.getPosixFilePermissions(directory.resolve(ClusterCommand.CLUSTER_FILE)));
    }

    private static ClusterRecord record(List<String> javaOptions) {
        ProcessRecord master = new ProcessRecord("master", 1, null, "127.0.0.1", 19998, null, "master.properties", "logs/master.log");
        return new ClusterRecord("127.0.0.1:19998", master, List.of(), "2026-11-20T00:00:00Z", javaOptions, null, Map.of(), false);
    }
}
