package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestSettingsFiles {
    private static final List<SettingsFiles.Entry> ENTRIES = List.of(
            new SettingsFiles.Entry("fs.cosn.upload_thread_pool", "32", "2 x 16 cores"),
            new SettingsFiles.Entry("fs.cosn.block.size", "134217728", "128 MiB & more"));

    @TempDir
    Path directory;

    @Test
    void settingsGoIntoAHadoopConfigurationThatKeepsItsOtherPropertiesAndComments() throws IOException {
        String existing = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- the team's COS settings -->
                <configuration>
                  <property>
                    <name>fs.cosn.userinfo.secretKey</name>
                    <value>s3cr3t</value>
                  </property>
                  <property>
                    <name> fs.cosn.upload_thread_pool </name>
                    <value>8</value>
                    <final>true</final>
                  </property>
                  <property><name>fs.defaultFS</name><value>cosn://bucket-125</value></property>
                </configuration>
                """;

        SettingsFiles.Merged merged = SettingsFiles.mergeXml(existing, ENTRIES);

        assertEquals(2, merged.kept());
        Path file = directory.resolve("core-site.xml");
        Files.writeString(file, merged.content());
        Configuration conf = new Configuration(false);
        conf.addResource(new org.apache.hadoop.fs.Path(file.toUri()));
        assertEquals("s3cr3t", conf.get("fs.cosn.userinfo.secretKey"));
        assertEquals("cosn://bucket-125", conf.get("fs.defaultFS"));
        assertEquals(32, conf.getInt("fs.cosn.upload_thread_pool", 0), "replaced");
        assertEquals(134217728, conf.getLong("fs.cosn.block.size", 0), "added");
        assertEquals(4, conf.size());
        assertTrue(merged.content().contains("<!-- the team's COS settings -->"), merged.content());
        assertTrue(merged.content().contains("<final>true</final>"), merged.content());
        assertTrue(merged.content().contains("<description>128 MiB &amp; more</description>"), merged.content());
    }

    @Test
    void aFileThatIsNotAHadoopConfigurationIsRefused() {
        IllegalArgumentException notXml = assertThrows(IllegalArgumentException.class, () -> SettingsFiles.mergeXml("fs.a=1", ENTRIES));
        assertTrue(notXml.getMessage().startsWith("it is not well-formed XML: "), notXml.getMessage());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> SettingsFiles.mergeXml("<beans/>", ENTRIES));
        assertEquals("its root element is <beans>, not <configuration>", other.getMessage());
        String entity = "<!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><configuration>&x;</configuration>";
        assertThrows(IllegalArgumentException.class, () -> SettingsFiles.mergeXml(entity, ENTRIES), "no document types, so no external entities");
    }

    @Test
    void settingsGoIntoAPropertiesFileThatKeepsItsOtherLines() throws IOException {
        String existing = """
                # cluster settings
                goosefs.master.hostname=master-1
                fs.cosn.upload_thread_pool : 8
                ! an old comment
                """;

        SettingsFiles.Merged merged = SettingsFiles.mergeProperties(existing, ENTRIES);

        assertEquals(1, merged.kept());
        Properties properties = new Properties();
        properties.load(new StringReader(merged.content()));
        assertEquals("master-1", properties.getProperty("goosefs.master.hostname"));
        assertEquals("32", properties.getProperty("fs.cosn.upload_thread_pool"));
        assertEquals("134217728", properties.getProperty("fs.cosn.block.size"));
        assertEquals(3, properties.size());
        assertTrue(merged.content().startsWith("# cluster settings\ngoosefs.master.hostname=master-1\nfs.cosn.upload_thread_pool=32\n! an old comment\n"),
                merged.content());
        assertTrue(merged.content().endsWith("\n# 128 MiB & more\nfs.cosn.block.size=134217728\n"), merged.content());
    }

    @Test
    void aReplacedFileKeepsItsPermissionsAndLeavesNoTemporaryFile() throws IOException {
        Path file = directory.resolve("core-site.xml");
        Files.writeString(file, "<configuration/>");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        AtomicFiles.write(file, "<configuration></configuration>\n", "the settings");

        assertEquals("<configuration></configuration>\n", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (Stream<Path> files = Files.list(directory)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void aSymbolicLinkIsFollowedAndTheFileItLeadsToIsReplacedInItsOwnDirectory() throws IOException {
        Path real = Files.createDirectories(directory.resolve("real"));
        Path conf = Files.createDirectories(directory.resolve("conf"));
        Path target = real.resolve("core-site.xml");
        Files.writeString(target, "<configuration/>");
        Path link = Files.createSymbolicLink(conf.resolve("core-site.xml"), Path.of("../real/core-site.xml"));
        // a link to the link, as /etc/hadoop/conf often is through alternatives
        Path outer = Files.createSymbolicLink(directory.resolve("core-site.xml"), Path.of("conf/core-site.xml"));

        AtomicFiles.Written written = AtomicFiles.write(outer, "<configuration></configuration>\n", "the settings");

        assertEquals(target.toRealPath(), written.target());
        assertEquals(Optional.empty(), written.warning());
        assertTrue(Files.isSymbolicLink(outer));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("../real/core-site.xml"), Files.readSymbolicLink(link));
        assertTrue(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS));
        assertEquals("<configuration></configuration>\n", Files.readString(target));
        for (Path dir : List.of(directory, conf, real)) {
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(), files.filter(file -> file.getFileName().toString().endsWith(".tmp")).toList(), "no temp file in " + dir);
            }
        }
    }

    @Test
    void aDanglingLinkGetsTheFileItLeadsToAndALoopIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(directory.resolve("core-site.xml"), Path.of("managed/core-site.xml"));

        AtomicFiles.write(link, "<configuration/>\n", "the settings");

        assertTrue(Files.isSymbolicLink(link));
        assertEquals("<configuration/>\n", Files.readString(directory.resolve("managed/core-site.xml")));

        Path loop = Files.createSymbolicLink(directory.resolve("loop.xml"), Path.of("loop.xml"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(loop, "<configuration/>\n", "the settings"));
        assertEquals("Cannot write the settings to " + loop + ": too many levels of symbolic links", e.getMessage());
        assertTrue(Files.isSymbolicLink(loop));
    }

    @Test
    void aReplacedFileKeepsItsModeOwnerAndGroup() throws IOException {
        Path target = directory.resolve("core-site.xml");
        Files.writeString(target, "<configuration/>");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        int uid = (int) Files.getAttribute(target, "unix:uid");
        int gid = (int) Files.getAttribute(target, "unix:gid");
        if (uid == 0) {
            // as root: another owner and group, as a core-site.xml of root:hadoop or nobody:nogroup
            uid = 4242;
            gid = 4243;
            Files.setAttribute(target, "unix:uid", uid);
            Files.setAttribute(target, "unix:gid", gid);
        }

        AtomicFiles.Written written = AtomicFiles.write(target, "<configuration></configuration>\n", "the settings");

        assertEquals(Optional.empty(), written.warning());
        assertEquals("<configuration></configuration>\n", Files.readString(target));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals(uid, Files.getAttribute(target, "unix:uid"));
        assertEquals(gid, Files.getAttribute(target, "unix:gid"));
    }

    @Test
    void aReadOnlyFileIsReplacedAndStaysReadOnly() throws IOException {
        Path file = directory.resolve("cluster.properties");
        Files.writeString(file, "a=1\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));

        AtomicFiles.write(file, "a=2\n", "the settings");

        assertEquals("a=2\n", Files.readString(file));
        assertEquals("r--r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
}
