package io.gfsload.ufs.simulator;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A file system whose paths name local files: {@code <scheme>://<authority>/abs/path} is the local
 * file {@code /abs/path}. The authority only names the instance (Hadoop caches one per scheme and
 * authority), so two authorities are two independent simulated stores over the same disk.
 *
 * <p>Metadata operations and writes go to a {@link RawLocalFileSystem} (no {@code .crc} files)
 * and are never delayed or failed; statuses come back with this file system's paths, and with
 * {@code fs.<scheme>.etags} set, a file's status carries an etag ({@link EtagSource}) as an object
 * store's does. Subclasses decide how files are opened for reading.
 */
abstract class LocalMappedFileSystem extends FileSystem {
    /**
     * The key, after {@code fs.<scheme>}, that makes the statuses of files carry an etag: the hex
     * MD5 of the file's bytes, as an object store gives a file uploaded in one part, so that a file
     * written again with other bytes has another etag whatever its length and modification time.
     * Each status reads the whole file: for tests of small files.
     */
    static final String ETAGS_SUFFIX = ".etags";

    private URI uri;
    private RawLocalFileSystem local;
    private Path workingDirectory;
    private boolean etags;

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        setConf(conf);
        String authority = name.getAuthority();
        uri = URI.create(getScheme() + "://" + (authority == null ? "" : authority) + "/");
        local = new RawLocalFileSystem();
        local.initialize(URI.create("file:///"), conf);
        workingDirectory = toMapped(local.getWorkingDirectory());
        etags = conf.getBoolean("fs." + getScheme() + ETAGS_SUFFIX, false);
    }

    @Override
    public URI getUri() {
        return uri;
    }

    /** The local path (scheme-less, absolute) behind {@code path} of this file system. */
    final Path toLocal(Path path) {
        checkPath(path);
        Path qualified = path.makeQualified(uri, workingDirectory);
        return new Path(qualified.toUri().getPath());
    }

    /** This file system's path for the local path {@code localPath}. */
    final Path toMapped(Path localPath) {
        return new Path(uri.getScheme(), uri.getAuthority(), localPath.toUri().getPath());
    }

    /**
     * Opens the local file behind {@code path} for positioned reads.
     *
     * @throws FileNotFoundException when it does not exist or is a directory
     */
    final FileChannel openChannel(Path path) throws IOException {
        java.nio.file.Path file = java.nio.file.Path.of(toLocal(path).toUri().getPath());
        if (Files.isDirectory(file)) {
            throw new FileNotFoundException("Cannot open " + path + ": it is a directory");
        }
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        }
        catch (NoSuchFileException e) {
            throw new FileNotFoundException("File " + path + " does not exist");
        }
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize, short replication,
            long blockSize, Progressable progress) throws IOException {
        return local.create(toLocal(f), permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) throws IOException {
        return local.append(toLocal(f), bufferSize, progress);
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        return local.rename(toLocal(src), toLocal(dst));
    }

    @Override
    public boolean delete(Path f, boolean recursive) throws IOException {
        return local.delete(toLocal(f), recursive);
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        FileStatus[] statuses = local.listStatus(toLocal(f));
        FileStatus[] mapped = new FileStatus[statuses.length];
        for (int i = 0; i < statuses.length; i++) {
            mapped[i] = mapped(statuses[i]);
        }
        return mapped;
    }

    @Override
    public void setWorkingDirectory(Path newDir) {
        workingDirectory = toMapped(toLocal(newDir));
    }

    @Override
    public Path getWorkingDirectory() {
        return workingDirectory;
    }

    @Override
    public boolean mkdirs(Path f, FsPermission permission) throws IOException {
        return local.mkdirs(toLocal(f), permission);
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return mapped(local.getFileStatus(toLocal(f)));
    }

    /**
     * {@code status} at its mapped path, with owner, group and permission read in one {@code lstat}:
     * the local status would load them lazily from its path, by starting a {@code stat} process
     * per file when Hadoop's native library is missing, a cost no object store has.
     */
    private FileStatus mapped(FileStatus status) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(java.nio.file.Path.of(status.getPath().toUri()), PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        int mode = 0;
        for (PosixFilePermission permission : attributes.permissions()) {
            mode |= 1 << (8 - permission.ordinal());
        }
        FileStatus mapped = new FileStatus(status.getLen(), status.isDirectory(), status.getReplication(), status.getBlockSize(),
                status.getModificationTime(), status.getAccessTime(), new FsPermission((short) mode), attributes.owner().getName(),
                attributes.group().getName(), toMapped(status.getPath()));
        return etags && status.isFile() ? new TaggedStatus(mapped, md5(java.nio.file.Path.of(status.getPath().toUri()))) : mapped;
    }

    /** A file's status with an etag, as an object store's listing and {@code HEAD} give it. */
    private static final class TaggedStatus extends FileStatus implements EtagSource {
        private final String etag;

        TaggedStatus(FileStatus status, String etag) throws IOException {
            super(status);
            this.etag = etag;
        }

        @Override
        public String getEtag() {
            return etag;
        }
    }

    /** The hex MD5 of {@code file}'s bytes. */
    private static String md5(java.nio.file.Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("MD5");
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 << 10];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public void close() throws IOException {
        try {
            if (local != null) {
                local.close();
            }
        }
        finally {
            super.close();
        }
    }
}
