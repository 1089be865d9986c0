package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.thrift.HiveSite;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void takesTheFirstMetastoreUri() throws IOException {
        hiveSite(" thrift://hms-1:9083 , thrift://hms-2:9083");
        assertEquals(Optional.of(URI.create("thrift://hms-1:9083")), HiveSite.metastoreUri(conf));
    }

    @Test
    void noFileOrNoUrisMeansNone() throws IOException {
        assertEquals(Optional.empty(), HiveSite.metastoreUri(conf));
        hiveSite("");
        assertEquals(Optional.empty(), HiveSite.metastoreUri(conf));
    }

    @Test
    void aMalformedUriIsBadInputNamingTheFile() throws IOException {
        hiveSite("hms-1:9083");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HiveSite.metastoreUri(conf));
        assertEquals("Invalid hive.metastore.uris 'hms-1:9083' in %s: expected thrift://host:port".formatted(conf.resolve("hive-site.xml")), e.getMessage());
    }
}
