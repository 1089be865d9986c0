package io.gfsload.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark-submit-local.sh} runs an application as a Spark 3.5.7 distribution's
 * {@code spark-submit} does: on the class path of {@code spark-dist} (built before this module),
 * whose Jackson parses JSON as the distribution's {@code jars/} does; and so it does when it is run
 * through a symbolic link, as a {@code spark-submit} on the {@code PATH} for
 * {@code gfsload-spark-submit.sh}. A {@code mvn} first on the {@code PATH} fails, so that a class
 * path looked for in the wrong place shows rather than being resolved again.
 */
class TestSparkSubmitLocalScript {
    private static final Path SCRIPT = Path.of(System.getProperty("user.dir"), "spark", "spark-submit-local.sh").toAbsolutePath();

    @TempDir
    Path directory;

    private Path bin;
    private Path probeJar;

    @BeforeEach
    void setUp() throws IOException {
        bin = Files.createDirectories(directory.resolve("bin"));
        executable(bin.resolve("mvn"), "#!/usr/bin/env bash\necho \"mvn run in $PWD\" >&2\nexit 1\n");
        probeJar = directory.resolve("probe.jar");
        String entry = JsonProbe.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(probeJar));
                InputStream probe = JsonProbe.class.getClassLoader().getResourceAsStream(entry)) {
            jar.putNextEntry(new JarEntry(entry));
            probe.transferTo(jar);
            jar.closeEntry();
        }
    }

    @Test
    void sparksClassPathParsesJsonAsADistributionsDoes() throws Exception {
        String output = submit(SCRIPT);

        assertTrue(output.contains("parsed {\"slices\":2}"), output);
    }

    @Test
    void throughASymbolicLinkItRunsWithTheClassPathOfItsCheckout() throws Exception {
        Path link = bin.resolve("spark-submit");
        Files.createSymbolicLink(link, SCRIPT);

        String output;
        try {
            output = submit(link);
        }
        finally {
            // the link, not the script it leads to
            Files.delete(link);
        }

        assertTrue(output.contains("parsed {\"slices\":2}"), output);
    }

    /** Runs {@code script} with the probe as the application; its output, once it has exited 0. */
    private String submit(Path script) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(script.toString(), "--class", JsonProbe.class.getName(), "--master", "local[1]",
                probeJar.toString(), "{\"slices\": 2}")).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", bin + ":" + System.getenv("PATH"), "HOME", directory.toString(),
                "JAVA_HOME", System.getProperty("java.home")));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "the script ends");
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    private static void executable(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
