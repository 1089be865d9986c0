package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
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
}
