package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.thrift.HiveSite;
import io.gfsload.catalog.thrift.SiteFiles;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestHiveSite {
    @TempDir
    Path conf;

    private void hiveSite(String uris) throws IOException {
        Files.writeString(conf.resolve("hive-site.xml"), """
                <?xml version="1.0"?>
                <configuration>
                  <property><name>hive.metastore.uris</name><value>%s</value></property>
                </configuration>
                """.formatted(uris));
    }

    @Test
    void takesEveryMetastoreUriInOrder() throws IOException {
        hiveSite(" thrift://hms-2:9083 , thrift://hms-1:9083,");
        assertEquals(List.of(URI.create("thrift://hms-2:9083"), URI.create("thrift://hms-1:9083")), HiveSite.metastoreUris(conf));
    }

    /** Hive 3's name of the addresses, alone or beside the older one, which Hive's metastore client then reads after it. */
    @Test
    void takesHive3sNameOfTheUrisBeforeTheOlderOne() throws IOException {
        Files.writeString(conf.resolve("hive-site.xml"), """
                <?xml version="1.0"?>
                <configuration>
                  <property><name>metastore.thrift.uris</name><value>thrift://hms-3:9083,thrift://hms-4:9083</value></property>
                </configuration>
                """);
        assertEquals(List.of(URI.create("thrift://hms-3:9083"), URI.create("thrift://hms-4:9083")), HiveSite.metastoreUris(conf));
        Files.writeString(conf.resolve("hive-site.xml"), """
                <?xml version="1.0"?>
                <configuration>
                  <property><name>hive.metastore.uris</name><value>thrift://hms-1:9083</value></property>
                  <property><name>metastore.thrift.uris</name><value>hms-3:9083</value></property>
                </configuration>
                """);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HiveSite.metastoreUris(conf));
        assertEquals("Invalid metastore.thrift.uris 'hms-3:9083' in %s: expected thrift://host:port".formatted(conf.resolve("hive-site.xml")), e.getMessage());
    }

    @Test
    void everyUriIsCheckedNotOnlyTheFirst() throws IOException {
        hiveSite("thrift://hms-1:9083,thrift://u:SUPERSECRET123@hms-2:9083");
        InvalidInputException credentials = assertThrows(InvalidInputException.class, () -> HiveSite.metastoreUris(conf));
        assertEquals("Invalid hive.metastore.uris in %s: credentials are not accepted in a metastore address (thrift://<hidden>@...): expected thrift://host:port"
                .formatted(conf.resolve("hive-site.xml")), credentials.getMessage());
        hiveSite("thrift://hms-1:9083,hms-2:9083");
        InvalidInputException malformed = assertThrows(InvalidInputException.class, () -> HiveSite.metastoreUris(conf));
        assertEquals("Invalid hive.metastore.uris 'hms-2:9083' in %s: expected thrift://host:port".formatted(conf.resolve("hive-site.xml")), malformed.getMessage());
    }

    @Test
    void noFileOrNoUrisMeansNone() throws IOException {
        assertEquals(List.of(), HiveSite.metastoreUris(conf));
        hiveSite("");
        assertEquals(List.of(), HiveSite.metastoreUris(conf));
    }

    @Test
    void aMalformedUriIsBadInputNamingTheFile() throws IOException {
        hiveSite("hms-1:9083");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HiveSite.metastoreUris(conf));
        assertEquals("Invalid hive.metastore.uris 'hms-1:9083' in %s: expected thrift://host:port".formatted(conf.resolve("hive-site.xml")), e.getMessage());
    }

    @Test
    void aUriWithCredentialsIsRefusedWithoutRepeatingThem() throws IOException {
        for (String uris : new String[] {"thrift://u:SUPERSECRET123@127.0.0.1:1", "thrift://u:SUPER SECRET123@127.0.0.1:1", "thrift://u:SUPER/SECRET123@127.0.0.1:1"}) {
            hiveSite(uris);
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> HiveSite.metastoreUris(conf), uris);
            assertEquals("Invalid hive.metastore.uris in %s: credentials are not accepted in a metastore address (thrift://<hidden>@...): expected thrift://host:port"
                    .formatted(conf.resolve("hive-site.xml")), e.getMessage());
        }
        hiveSite("thrift://hms 1:9083");
        InvalidInputException unparseable = assertThrows(InvalidInputException.class, () -> HiveSite.metastoreUris(conf));
        assertEquals("Invalid hive.metastore.uris 'thrift://hms 1:9083' in %s: expected thrift://host:port".formatted(conf.resolve("hive-site.xml")),
                unparseable.getMessage());
    }

    @Test
    void aMalformedFileIsBadInputNamingTheFileAndLine() throws IOException {
        Files.writeString(conf.resolve("hive-site.xml"), "<configuration><property><name>a</name>\n");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HiveSite.metastoreUris(conf));
        assertEquals("%s is not a valid configuration file: Unexpected EOF; was expecting a close tag for element <property> (line 2)"
                .formatted(conf.resolve("hive-site.xml")), e.getMessage());
    }

    @Test
    void theClasspathSiteFilesAreCheckedAndAWellFormedOnePasses() throws IOException {
        Files.writeString(conf.resolve("hdfs-site.xml"), "<configuration><property><name>dfs.replication</name><value>1</value></property></configuration>");
        try (URLClassLoader classpath = new URLClassLoader(new URL[] {conf.toUri().toURL()}, null)) {
            SiteFiles.checkClasspath(classpath);

            Files.writeString(conf.resolve("core-site.xml"), "<configuration><property>");
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> SiteFiles.checkClasspath(classpath));
            assertTrue(e.getMessage().startsWith(conf.resolve("core-site.xml") + " is not a valid configuration file: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertFalse(e.getMessage().contains("Exception"), e.getMessage());
        }
    }

    @Test
    void namesTheDefaultPartitionWhereItSetsTheName() throws IOException {
        assertEquals(Optional.empty(), HiveSite.defaultPartitionName(conf), "no hive-site.xml");
        hiveSite("thrift://hms-1:9083");
        assertEquals(Optional.empty(), HiveSite.defaultPartitionName(conf), "the metastore's name holds");
        for (String value : List.of("__NULL__", " __NULL__ ")) {
            Files.writeString(conf.resolve("hive-site.xml"), """
                    <?xml version="1.0"?>
                    <configuration>
                      <property><name>hive.exec.default.partition.name</name><value>%s</value></property>
                    </configuration>
                    """.formatted(value));
            assertEquals(Optional.of("__NULL__"), HiveSite.defaultPartitionName(conf), value);
        }
        Files.writeString(conf.resolve("hive-site.xml"), """
                <?xml version="1.0"?>
                <configuration>
                  <property><name>hive.exec.default.partition.name</name><value> </value></property>
                </configuration>
                """);
        assertEquals(Optional.empty(), HiveSite.defaultPartitionName(conf), "blank");
        Files.writeString(conf.resolve("hive-site.xml"), "<configuration><property>");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HiveSite.defaultPartitionName(conf));
        assertTrue(e.getMessage().startsWith(conf.resolve("hive-site.xml") + " is not a valid configuration file: "), e.getMessage());
    }
}
