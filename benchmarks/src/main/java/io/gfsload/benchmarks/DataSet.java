package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A directory of equal-sized files with deterministic pseudo-random content (the same seed and
 * shape give the same bytes), generated once and reused while its marker file says it is complete.
 *
 * @param id names the data set in messages, e.g. {@code P2}
 * @param directory where the files are; nothing else is kept in it, so it can be loaded or copied
 *     whole
 * @param shape how many files of what size
 * @param seed seed of the content
 * @param filesPerDirectory 0 to put every file in {@code directory}; otherwise files go into
 *     subdirectories {@code d0000, d0001, ...} of this many files each, as a table's partitions
 *     would hold them. File names are unique across subdirectories.
 */
public record DataSet(String id, Path directory, Size.Shape shape, long seed, int filesPerDirectory) implements ScenarioData {
    private static final int WRITE_CHUNK = 1 << 20;

    public DataSet {
        requireNonNull(id, "id is null");
        requireNonNull(directory, "directory is null");
        requireNonNull(shape, "shape is null");
        if (filesPerDirectory < 0) {
            throw new IllegalArgumentException("filesPerDirectory must be >= 0: " + filesPerDirectory);
        }
        directory = directory.toAbsolutePath().normalize();
    }

    @Override
    public long files() {
        return shape.files();
    }

    @Override
    public long bytes() {
        return shape.totalBytes();
    }

    @Override
    public String describe() {
        return shape.describe();
    }

    /** A cache or a copy of the whole data set. */
    @Override
    public long scratchBytes() {
        return shape.totalBytes();
    }

    /** The files, in generation order. */
    public List<Path> paths() {
        List<Path> files = new ArrayList<>(shape.files());
        for (int i = 0; i < shape.files(); i++) {
            files.add(file(i));
        }
        return files;
    }

    private Path file(int index) {
        String name = "part-%06d.bin".formatted(index);
        return filesPerDirectory == 0 ? directory.resolve(name) : directory.resolve("d%04d".formatted(index / filesPerDirectory)).resolve(name);
    }

    /** Next to the directory, not in it, so that loads and copies never see it. */
    private Path marker() {
        return directory.resolveSibling(directory.getFileName() + ".complete");
    }

    private String description() {
        return "files=%d fileBytes=%d seed=%d filesPerDirectory=%d%n".formatted(shape.files(), shape.fileBytes(), seed, filesPerDirectory);
    }

    /**
     * Generates the files unless a complete data set of the same description is there already.
     *
     * @return true when the files were generated now
     * @throws BenchmarkException when the files cannot be written
     */
    @Override
    public boolean ensure() {
        try {
            if (Files.isDirectory(directory) && Files.exists(marker())
                    && Files.readString(marker(), StandardCharsets.UTF_8).equals(description())) {
                return false;
            }
            Files.deleteIfExists(marker());
            Directories.deleteRecursively(directory);
            Files.createDirectories(directory);
            byte[] chunk = new byte[(int) Math.min(WRITE_CHUNK, shape.fileBytes())];
            for (int i = 0; i < shape.files(); i++) {
                write(file(i), i, chunk);
            }
            Files.writeString(marker(), description(), StandardCharsets.UTF_8);
            return true;
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot generate the data of %s in %s: %s".formatted(id, directory, e), e);
        }
    }

    private void write(Path file, int index, byte[] chunk) throws IOException {
        Files.createDirectories(file.getParent());
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
        try (OutputStream out = Files.newOutputStream(file)) {
            long remaining = shape.fileBytes();
            while (remaining > 0) {
                int length = (int) Math.min(chunk.length, remaining);
                random.nextBytes(chunk);
                out.write(chunk, 0, length);
                remaining -= length;
            }
        }
    }

    /**
     * Reads every file once, so that the first timed run does not pay for disk reads the later
     * ones do not (every contender then reads from the page cache).
     */
    @Override
    public void warm() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_CHUNK);
        for (Path file : paths()) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                while (channel.read(buffer) > 0) {
                    buffer.clear();
                }
            }
            catch (IOException e) {
                throw new BenchmarkException("Cannot read %s of %s: %s".formatted(file, id, e), e);
            }
        }
    }
}
