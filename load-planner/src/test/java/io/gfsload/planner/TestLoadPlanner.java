package io.gfsload.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Planning UFS paths on the local file system. */
class TestLoadPlanner {
    private static final long BLOCK = 1000;

    @TempDir
    Path directory;

    @BeforeEach
    void createFiles() throws IOException {
        write("a/part-0", 2500);
        write("a/part-1", 10);
        write("a/empty", 0);
        write("a/_SUCCESS", 0);
        write("a/.part-0.crc", 12);
        write("a/nested/part-2", 1000);
        write("a/_temporary/part-9", 500);
    }

    private void write(String name, int length) throws IOException {
        Path file = directory.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[length]);
    }

    private LoadPlanner planner(CacheState cacheState) {
        return new LoadPlanner(Optional.empty(), new Configuration(), cacheState, new PlannerConfig(BLOCK, 100, 2000, 2));
    }

    private LoadRequest request(int replication) {
        return new LoadRequest(new LoadTarget.Paths(List.of(directory.resolve("a").toUri().toString())), replication);
    }

    @Test
    void listsVisibleFilesRecursivelyAndCutsThemIntoBlocks() {
        LoadPlan plan = planner(CacheState.EMPTY).plan(request(1));
        assertEquals(1, plan.partitions().size());
        List<FileLoad> files = plan.partitions().get(0).files();
        assertEquals(List.of("empty", "nested/part-2", "part-0", "part-1"),
                files.stream().map(f -> f.file().path().substring(f.file().path().indexOf("/a/") + 3)).toList());

        FileLoad empty = files.get(0);
        assertEquals(0, empty.blocks().size());
        FileLoad large = files.get(2);
        assertEquals(List.of(0L, 1000L, 2000L), large.blocks().stream().map(BlockTask::offset).toList());
        assertEquals(List.of(1000L, 1000L, 500L), large.blocks().stream().map(BlockTask::length).toList());

        assertEquals(4, plan.stats().files());
        assertEquals(3510, plan.stats().bytes());
        assertEquals(5, plan.stats().blocks());
        assertEquals(0, plan.stats().cachedBlocks());
        assertEquals(List.of(1L, 3L, 0L, 0L, 0L, 0L, 0L), plan.stats().sizeHistogram());
        assertEquals(10, plan.stats().medianFileBytes());
    }

    @Test
    void existsWithoutListing() {
        LoadPlanner planner = planner(CacheState.EMPTY);
        assertTrue(planner.exists(directory.resolve("a").toString()));
        assertTrue(planner.exists(directory.resolve("a/nested/part-2").toUri().toString()));
        assertFalse(planner.exists(directory.resolve("a/nosuch").toString()));
        assertEquals("Cannot look up s3a://bucket/db/t: the connector class org.apache.hadoop.fs.s3a.S3AFileSystem is not on the classpath",
                assertThrows(PlanningException.class, () -> planner.exists("s3a://bucket/db/t")).getMessage());
    }

    @Test
    void packsBlocksToLoadIntoBalancedTaskSets() {
        LoadPlan plan = planner(CacheState.EMPTY).plan(request(1));
        // weights: part-2 1000, part-0 1000 | 1000, 500, part-1 max(10, 100) = 100
        assertEquals(List.of(2000L, 1510L), plan.taskSets().stream().map(TaskSet::bytes).toList());
        assertEquals(5, plan.taskSets().stream().mapToInt(t -> t.blocks().size()).sum());
    }

    @Test
    void samePlanForTheSameRequestOnTheSameData() {
        assertEquals(planner(CacheState.EMPTY).plan(request(2)), planner(CacheState.EMPTY).plan(request(2)));
    }

    @Test
    void skipsBlocksCachedWithEnoughReplicasForTheSameFileIdentity() {
        LoadPlan first = planner(CacheState.EMPTY).plan(request(2));
        FileIdentity part0 = first.partitions().get(0).files().get(2).file();
        CacheState cache = CacheState.perFile(file -> file.equals(part0)
                ? List.of(new CachedBlock(0, 1000, 1, List.of("w0", "w1")), new CachedBlock(1, 1000, 2, List.of("w0")))
                : List.of());

        LoadPlan second = planner(cache).plan(request(2));
        List<BlockTask> blocks = second.partitions().get(0).files().get(2).blocks();
        assertTrue(blocks.get(0).cached());
        assertFalse(blocks.get(1).cached(), "one replica is not enough for replication 2");
        assertFalse(blocks.get(2).cached());
        assertEquals(1, second.stats().cachedBlocks());
        assertEquals(1000, second.stats().cachedBytes());
        assertEquals(2510, second.stats().bytesToLoad());

        CacheState staleIdentity = CacheState.perFile(file -> file.path().equals(part0.path()) && file.modificationTime() == part0.modificationTime() + 1
                ? List.of(new CachedBlock(0, 1000, 1, List.of("w0", "w1")))
                : List.of());
        assertEquals(0, planner(staleIdentity).plan(request(2)).stats().cachedBlocks());
    }

    @Test
    void asksTheCacheAboutTheFilesOfManyLocationsPerCall() throws IOException {
        List<String> locations = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            write("many/p%03d/part-0".formatted(i), 10);
            write("many/p%03d/part-1".formatted(i), 20);
            write("many/p%03d/empty".formatted(i), 0);
            locations.add(directory.resolve("many/p%03d".formatted(i)).toUri().toString());
        }
        List<List<FileIdentity>> calls = Collections.synchronizedList(new ArrayList<>());
        CacheState recording = files -> {
            calls.add(List.copyOf(files));
            return Map.of();
        };

        LoadPlan plan = planner(recording).plan(new LoadRequest(new LoadTarget.Paths(locations), 1));

        assertEquals(600, plan.stats().files());
        // 2 listing threads: the 200 locations go in 8 groups of 25, one cache call each.
        assertEquals(8, calls.size());
        List<FileIdentity> asked = calls.stream().flatMap(List::stream).toList();
        assertEquals(400, asked.size(), "every file with a length, once; zero-byte files have no blocks to look up");
        assertEquals(Set.copyOf(asked), plan.partitions().stream().flatMap(p -> p.files().stream()).map(FileLoad::file)
                .filter(file -> file.length() > 0).collect(Collectors.toSet()));
    }

    @Test
    void aLocalListingHasTheIdentitiesHadoopsListingGives() throws IOException {
        write("a/with space/part 3", 7);
        write("a/deep/er/part-4", 30);
        write("a/nested/.hidden/part-5", 5);
        Files.createSymbolicLink(directory.resolve("a/link-to-part-0"), directory.resolve("a/part-0"));
        Files.createSymbolicLink(directory.resolve("a/dangling"), directory.resolve("a/nosuch"));
        Files.setLastModifiedTime(directory.resolve("a/part-1"), FileTime.fromMillis(1_700_000_000_123L));
        for (String location : List.of(directory.resolve("a").toString(), directory.resolve("a").toUri().toString(),
                directory.resolve("a/part-0").toUri().toString())) {
            LoadPlan plan = planner(CacheState.EMPTY).plan(new LoadRequest(new LoadTarget.Paths(List.of(location)), 1));
            List<FileIdentity> planned = plan.partitions().get(0).files().stream().map(FileLoad::file).toList();

            assertEquals(hadoopListing(location), planned, location);
        }
    }

    /** The visible files under {@code location} as Hadoop's checksummed local file system lists them, sorted by path. */
    private static List<FileIdentity> hadoopListing(String location) throws IOException {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(location);
        FileSystem fs = root.getFileSystem(new Configuration());
        List<FileIdentity> files = new ArrayList<>();
        FileStatus status = fs.getFileStatus(root);
        if (status.isFile()) {
            files.add(new FileIdentity(status.getPath().toString(), status.getLen(), status.getModificationTime()));
        }
        else {
            hadoopVisit(fs, root, files);
        }
        files.sort(Comparator.comparing(FileIdentity::path));
        return files;
    }

    private static void hadoopVisit(FileSystem fs, org.apache.hadoop.fs.Path directory, List<FileIdentity> files) throws IOException {
        for (FileStatus child : fs.listStatus(directory)) {
            if (LoadPlanner.isHidden(child.getPath().getName())) {
                continue;
            }
            if (child.isDirectory()) {
                hadoopVisit(fs, child.getPath(), files);
            }
            else {
                files.add(new FileIdentity(child.getPath().toString(), child.getLen(), child.getModificationTime()));
            }
        }
    }

    @Test
    void missingPathIsNotFound() {
        String missing = directory.resolve("nosuch").toUri().toString();
        NoSuchPathException e = assertThrows(NoSuchPathException.class,
                () -> planner(CacheState.EMPTY).plan(new LoadRequest(new LoadTarget.Paths(List.of(missing)), 1)));
        assertEquals("Path not found: " + missing, e.getMessage());
    }

    @Test
    void aSingleFileCanBeLoaded() {
        String file = directory.resolve("a/part-0").toUri().toString();
        LoadPlan plan = planner(CacheState.EMPTY).plan(new LoadRequest(new LoadTarget.Paths(List.of(file)), 1));
        assertEquals(3, plan.stats().blocks());
    }

    @Test
    void overlappingPathsPlanEachFileOnce() {
        String dir = directory.resolve("a").toUri().toString();
        String file = directory.resolve("a/part-0").toUri().toString();
        LoadPlan once = planner(CacheState.EMPTY).plan(request(1));
        LoadPlan overlapping = planner(CacheState.EMPTY).plan(new LoadRequest(new LoadTarget.Paths(List.of(dir, dir + "/", file)), 1));
        assertEquals(once.stats().files(), overlapping.stats().files());
        assertEquals(once.stats().bytes(), overlapping.stats().bytes());
        assertEquals(once.stats().blocks(), overlapping.stats().blocks());
        assertEquals(once.partitions().get(0).files(), overlapping.partitions().get(0).files(), "each file where it appears first");
    }

    @Test
    void theListenerHearsEachLocationSelectedAndListed() throws IOException {
        String dir = directory.resolve("a").toUri().toString();
        String nested = directory.resolve("a/nested").toUri().toString();
        String empty = Files.createDirectories(directory.resolve("nothing-here")).toUri().toString();
        AtomicInteger selected = new AtomicInteger();
        AtomicInteger listed = new AtomicInteger();
        LoadPlan plan = planner(CacheState.EMPTY).plan(new LoadRequest(new LoadTarget.Paths(List.of(dir, nested, empty)), 1), new PlanningListener() {
            @Override
            public void selected(int count) {
                selected.addAndGet(count);
            }

            @Override
            public void listed() {
                listed.incrementAndGet();
            }
        });
        assertEquals(3, plan.partitions().size());
        assertEquals(3, selected.get());
        assertEquals(3, listed.get());
    }

    @Test
    void aPathWhoseFilesAnEarlierPathCoversIsNotEmpty() throws IOException {
        String dir = directory.resolve("a").toUri().toString();
        String file = directory.resolve("a/part-0").toUri().toString();
        String empty = Files.createDirectories(directory.resolve("nothing-here")).toUri().toString();
        LoadPlan plan = planner(CacheState.EMPTY).plan(new LoadRequest(new LoadTarget.Paths(List.of(dir, file, dir + "/", empty)), 1));
        List<PartitionLoad> partitions = plan.partitions();
        assertEquals(4, partitions.get(0).files().size());
        assertEquals(0, partitions.get(0).repeatedFiles());
        assertEquals(List.of(), partitions.get(1).files());
        assertEquals(1, partitions.get(1).repeatedFiles(), "the file, planned under the directory");
        assertFalse(partitions.get(1).locationEmpty());
        assertEquals(4, partitions.get(2).repeatedFiles());
        assertFalse(partitions.get(2).locationEmpty());
        assertEquals(0, partitions.get(3).repeatedFiles());
        assertTrue(partitions.get(3).locationEmpty(), "a directory without files is empty");
    }

    @Test
    void aLinkThatCannotBeFollowedFailsAloneAtTheTopOfThePathAsBelowItAndTheFilesBesideItArePlanned() throws IOException {
        write("a/unreadable/part-3", 100);
        write("a/unreadable/deeper/part-4", 100);
        write("a/nested/unreadable/part-5", 100);
        // links that lead to each other, and links to themselves: their status cannot be read ("Too
        // many levels of symbolic links"), in the path itself and in directories below it
        Files.createSymbolicLink(directory.resolve("a/loop1"), directory.resolve("a/loop2"));
        Files.createSymbolicLink(directory.resolve("a/loop2"), directory.resolve("a/loop1"));
        for (String directory : List.of("a/unreadable", "a/nested/unreadable")) {
            Path loop = this.directory.resolve(directory).resolve("loop");
            Files.createSymbolicLink(loop, loop);
        }
        String root = "file:" + directory.resolve("a");
        // a path that is such a link itself cannot be listed at all
        Path looped = directory.resolve("looped");
        Files.createSymbolicLink(looped, looped);

        LoadPlan plan = planner(CacheState.EMPTY).plan(new LoadRequest(new LoadTarget.Paths(List.of(directory.resolve("a").toUri().toString(),
                looped.toUri().toString())), 1));

        PartitionLoad partition = plan.partitions().get(0);
        assertTrue(partition.listed(), "the path itself was listed: " + partition.listingError());
        assertFalse(partition.complete());
        assertFalse(partition.locationEmpty());
        assertEquals(List.of("empty", "nested/part-2", "nested/unreadable/part-5", "part-0", "part-1", "unreadable/deeper/part-4", "unreadable/part-3"),
                partition.files().stream().map(f -> f.file().path().substring(root.length() + 1)).toList(), "every file beside the links");
        assertEquals(List.of(root + "/loop1", root + "/loop2", root + "/nested/unreadable/loop", root + "/unreadable/loop"),
                partition.unlistedDirectories().stream().map(UnlistedDirectory::path).toList());
        for (UnlistedDirectory unlisted : partition.unlistedDirectories()) {
            assertTrue(unlisted.error().startsWith(unlisted.path().substring("file:".length()) + ": Too many levels of symbolic links"), unlisted.error());
        }
        assertEquals(7, plan.stats().files());
        assertEquals(3810, plan.stats().bytes());

        PartitionLoad path = plan.partitions().get(1);
        assertFalse(path.listed());
        assertEquals(List.of(), path.unlistedDirectories());
        assertTrue(path.listingError().startsWith("Cannot list %s: %s: Too many levels of symbolic links".formatted(looped.toUri(), looped)),
                path.listingError());
    }

    @Test
    void aSymbolicLinkCycleIsReportedAndTheFilesUnderItArePlannedOnce() throws IOException {
        // a link to the directory it is in, a link to its directory's parent, and two links that
        // lead to each other's directory: Hadoop's listing follows each 40 links deep
        write("self/part-0", 10);
        Files.createSymbolicLink(directory.resolve("self/self"), Path.of("."));
        write("up/part-0", 10);
        write("up/sub/part-1", 20);
        Files.createSymbolicLink(directory.resolve("up/sub/up"), Path.of(".."));
        write("there/part-0", 10);
        write("back/part-1", 20);
        Files.createSymbolicLink(directory.resolve("there/back"), Path.of("../back"));
        Files.createSymbolicLink(directory.resolve("back/there"), Path.of("../there"));

        LoadPlan plan = planner(CacheState.EMPTY).plan(new LoadRequest(new LoadTarget.Paths(Stream.of("self", "up", "there")
                .map(location -> directory.resolve(location).toUri().toString()).toList()), 1));

        assertEquals(List.of(List.of("part-0"), List.of("part-0", "sub/part-1"), List.of("back/part-1", "part-0")),
                plan.partitions().stream().map(this::relativePaths).toList(), "each file once");
        assertEquals(List.of(List.of(cycle("self/self", "self")), List.of(cycle("up/sub/up", "up")), List.of(cycle("there/back/there", "there"))),
                plan.partitions().stream().map(PartitionLoad::unlistedDirectories).toList());
        assertTrue(plan.partitions().stream().noneMatch(PartitionLoad::complete), "a cycle is reported as a directory not listed");
        assertEquals(5, plan.stats().files());
        assertEquals(70, plan.stats().bytes());
    }

    @Test
    void twoCyclesInOneDirectoryAreEachReportedOnce() throws IOException {
        // both links at every level: without the cycles cut, the listing doubles 40 times
        Files.createSymbolicLink(directory.resolve("a/self"), Path.of("."));
        Files.createSymbolicLink(directory.resolve("a/nested/up"), Path.of(".."));

        LoadPlan plan = planner(CacheState.EMPTY).plan(request(1));

        PartitionLoad partition = plan.partitions().get(0);
        assertEquals(List.of("empty", "nested/part-2", "part-0", "part-1"), relativePaths(partition));
        assertEquals(List.of(cycle("a/nested/up", "a"), cycle("a/self", "a")), partition.unlistedDirectories());
        assertEquals(3510, plan.stats().bytes());
    }

    @Test
    void aDirectoryReachedByTwoPathsThatAreNoCycleIsListedUnderEach() throws IOException {
        write("other/part-5", 5);
        Files.createSymbolicLink(directory.resolve("a/link1"), Path.of("../other"));
        Files.createSymbolicLink(directory.resolve("a/nested/link2"), directory.resolve("other"));
        // a link to the location's own subdirectory: another path to it, not a cycle
        Files.createSymbolicLink(directory.resolve("a/link3"), Path.of("nested"));

        LoadPlan plan = planner(CacheState.EMPTY).plan(request(1));

        PartitionLoad partition = plan.partitions().get(0);
        assertEquals(List.of("empty", "link1/part-5", "link3/link2/part-5", "link3/part-2", "nested/link2/part-5", "nested/part-2", "part-0", "part-1"),
                relativePaths(partition), "the files under each path a reader may read them by");
        assertTrue(partition.complete(), String.valueOf(partition.unlistedDirectories()));
    }

    private List<String> relativePaths(PartitionLoad partition) {
        String root = "file:" + Path.of(URI.create(partition.location())) + "/";
        return partition.files().stream().map(file -> file.file().path().substring(root.length())).toList();
    }

    private UnlistedDirectory cycle(String link, String target) {
        return new UnlistedDirectory("file:" + directory.resolve(link),
                "symbolic link cycle: %s -> %s".formatted(directory.resolve(link), directory.resolve(target)));
    }

    @Test
    void replicationMustBePositive() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> request(0));
        assertEquals("Invalid replication 0: must be at least 1", e.getMessage());
    }
}
