package io.gfsload.benchmarks;

import io.gfsload.catalog.embedded.EmbeddedMetastore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The main class of P4's metastore process: serves an {@link EmbeddedMetastore} (a real Thrift
 * metastore on a loopback port over Derby) from a directory, writes its URI into a file, and stops
 * when its standard input ends, which is how {@link MetastoreProcess} stops it, and what happens
 * when the benchmark's JVM dies.
 *
 * <p>Arguments: the metastore directory and the file to write the URI into.
 */
public final class MetastoreServer {
    private MetastoreServer() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: MetastoreServer METASTORE_DIR URI_FILE");
        }
        Path directory = Path.of(args[0]);
        Path uriFile = Path.of(args[1]);
        try (EmbeddedMetastore metastore = EmbeddedMetastore.start(directory)) {
            Path temporary = uriFile.resolveSibling(uriFile.getFileName() + ".tmp");
            Files.writeString(temporary, metastore.uri().toString(), StandardCharsets.UTF_8);
            Files.move(temporary, uriFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            InputStream in = System.in;
            byte[] buffer = new byte[64];
            while (in.read(buffer) >= 0) {
                // nothing is sent; the end of the stream is the signal to stop
            }
        }
        // The metastore leaves non-daemon threads (Derby, DataNucleus) behind.
        System.exit(0);
    }
}
