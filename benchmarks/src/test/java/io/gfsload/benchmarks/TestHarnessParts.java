package io.gfsload.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Ticker;
import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlanStats;
import io.gfsload.planner.PlannerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure parts of the harness: summaries, scenario selection, settings rules, options. */
class TestHarnessParts {
    private static final LoadPlan SMALL_FILES = new LoadPlan(new LoadRequest(new LoadTarget.Paths(List.of("/data")), 1), PlannerConfig.DEFAULT_BLOCK_SIZE,
            List.of(), List.of(), new PlanStats(1000, 1000L * 65536, 1000, 0, 0, List.of(0L, 0L, 1000L, 0L, 0L, 0L, 0L), 65536, 65536));
    /** No live workers: the advisor assumes one. */
    private static final ClusterInfo CLUSTER = new ClusterInfo("harness-test-cluster", List.of());

    @Test
    void summarisesMedianAndRange() {
        assertEquals(new Summary(2, 1, 9), Summary.of(List.of(9.0, 1.0, 2.0)));
        assertEquals(new Summary(2.5, 1, 9), Summary.of(List.of(9.0, 1.0, 2.0, 3.0)));
        assertEquals("no values to summarise", assertThrows(IllegalArgumentException.class, () -> Summary.of(List.of())).getMessage());
    }

    @Test
    void namesTheJvmOptionsThatChangeHowFastItRuns() {
        assertEquals(List.of("-XX:FreqInlineSize=100", "-Dsun.nio.PageAlignDirectMemory=true", "-Xmx2g"),
                MachineInfo.performanceOptions(List.of("-XX:FreqInlineSize=100", "-Dsun.nio.PageAlignDirectMemory=true",
                        "-Dorg.slf4j.simpleLogger.logFile=bench.log", "-Xmx2g", "-Djava.util.logging.config.file=logging.properties")));
    }

    @Test
    void selectsScenariosByIdOrPrefix() {
        assertTrue(Scenarios.selected("P3-small", List.of("P3")));
        assertTrue(Scenarios.selected("P3-large", List.of("p3-large")));
        assertFalse(Scenarios.selected("P3-large", List.of("P3-small")));
        assertFalse(Scenarios.selected("P1", List.of("P2", "P3")));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> new BenchmarkOptions(Size.SMOKE, 1, Path.of("w"), Path.of("o"), Optional.empty(), List.of("P9")));
        assertEquals("Unknown scenario 'P9': expected one of " + Scenarios.IDS + ", or P3 for every P3", unknown.getMessage());
        assertTrue(Scenarios.selected("P4", List.of("p4")));
    }

    @Test
    void c1WritesIntoTheMemTierOnATmpfsAndC1SsdIntoAnSsdTierOnTheDataSetsFileSystem() throws Exception {
        Path work = Path.of("work");
        Workspace workspace = new Workspace(Path.of("mem"), work.resolve("disk"), Ticker.systemTicker(), Clock.systemUTC());
        BenchmarkOptions options = new BenchmarkOptions(Size.SMOKE, 1, work, Path.of("out"), Optional.empty(), List.of("C1"));
        try (Scenario memory = Scenarios.create("C1", options, workspace, 2, "tmpfs");
                Scenario disk = Scenarios.create("C1", options, workspace, 2, "ext4")) {
            assertEquals("one worker's gRPC writes into its MEM tier against direct writes on tmpfs", memory.title());
            assertTrue(memory.candidate().settings().contains(
                    "worker tier MEM (no force), over the worker's Unix domain socket, client chunk 2 MiB, short-circuit writes off"),
                    memory.candidate().settings().toString());
            assertEquals("one worker's gRPC writes into its SSD tier against direct writes on ext4", disk.title());
        }
        try (Scenario tcp = Scenarios.create("C1-tcp", options, workspace, 2, "tmpfs")) {
            assertEquals("one worker's gRPC writes into its MEM tier over loopback TCP against direct writes on tmpfs", tcp.title());
            assertTrue(tcp.candidate().settings().contains("worker tier MEM (no force), over loopback TCP, client chunk 2 MiB, short-circuit writes off"),
                    tcp.candidate().settings().toString());
        }
        assertEquals(Path.of("mem"), Scenarios.scratch("C1", workspace));
        assertEquals(Path.of("mem"), Scenarios.scratch("C1-socket", workspace));
        assertEquals(work.resolve("disk"), Scenarios.scratch("C1-ssd", workspace));
        assertEquals(work.resolve("disk"), workspace.onDisk().scratch());
    }

    @Test
    void gooseFsDefaultsPinThreadsAndReadSizeAndKeepTheRest() {
        Settings advised = SettingsRule.ADVISOR.settings(SMALL_FILES, CLUSTER);
        Settings gooseFs = SettingsRule.GOOSEFS_DEFAULTS.settings(SMALL_FILES, CLUSTER);
        assertEquals(10, gooseFs.value(Settings.UFS_READ_THREADS));
        assertEquals(1L << 20, gooseFs.value(Settings.READ_BUFFER_BYTES));
        assertEquals(advised.values().stream().map(Setting::name).toList(), gooseFs.values().stream().map(Setting::name).toList());
    }

    @Test
    void anOverrideOfASettingTheAdvisorDoesNotSetFailsUnlessOptional() {
        SettingsRule required = SettingsRule.overriding(SettingsRule.ADVISOR, Map.of("executor.no-such", new SettingsRule.FixedValue(1, "test")), Set.of());
        assertEquals("The advisor sets no executor.no-such to override",
                assertThrows(IllegalStateException.class, () -> required.settings(SMALL_FILES, CLUSTER)).getMessage());
        SettingsRule optional = SettingsRule.overriding(SettingsRule.ADVISOR, Map.of("executor.no-such", new SettingsRule.FixedValue(1, "test")),
                Set.of("executor.no-such"));
        assertEquals(SettingsRule.ADVISOR.settings(SMALL_FILES, CLUSTER), optional.settings(SMALL_FILES, CLUSTER));
    }

    @Test
    void aWarmedReadThatFellBackToTheStoreFailsTheRun(@TempDir Path dir) throws Exception {
        Workspace workspace = new Workspace(dir.resolve("mem"), dir.resolve("disk"), Ticker.systemTicker(), Clock.systemUTC());
        BenchmarkOptions options = new BenchmarkOptions(Size.SMOKE, 1, dir.resolve("work"), dir.resolve("out"), Optional.empty(), List.of("P5"));
        try (Scenario scenario = Scenarios.create("P5", options, workspace, 2, "tmpfs")) {
            scenario.data().ensure();
            RunResult warmed = scenario.candidate().run(1);
            assertEquals(0, warmed.counters().get("store.bytes-read"), warmed.counters().toString());
            // Files that changed since the warm-up are not the cached ones: gfs:// reads them from the store.
            FileTime later = FileTime.fromMillis(System.currentTimeMillis() + 60_000);
            for (Path file : ((DataSet) scenario.data()).paths()) {
                Files.setLastModifiedTime(file, later);
            }
            BenchmarkException fellBack = assertThrows(BenchmarkException.class, () -> scenario.candidate().run(2));
            assertEquals("P5 gfsload gfs:// reads run 2 read %d bytes from the store (gfs.bytes-from-ufs %d), not all from the warmed cache"
                    .formatted(Size.SMOKE.throttledLargeFiles().totalBytes(), Size.SMOKE.throttledLargeFiles().totalBytes()), fellBack.getMessage());
        }
    }

    @Test
    void p3AdaptiveNamesWhenItsCapChanges() throws Exception {
        Workspace workspace = new Workspace(Path.of("mem"), Path.of("disk"), Ticker.systemTicker(), Clock.systemUTC());
        try (Scenario smoke = Scenarios.create("P3-adaptive", new BenchmarkOptions(Size.SMOKE, 1, Path.of("work"), Path.of("out"), Optional.empty(), List.of("P3")),
                workspace, 2, "tmpfs")) {
            assertTrue(smoke.notes().get(0).endsWith("for all streams together 128 MiB/s, 64 MiB/s from 50 ms, 128 MiB/s again from 100 ms"), smoke.notes().get(0));
        }
        try (Scenario reduced = Scenarios.create("P3-adaptive", new BenchmarkOptions(Size.REDUCED, 1, Path.of("work"), Path.of("out"), Optional.empty(),
                List.of("P3")), workspace, 2, "tmpfs")) {
            assertTrue(reduced.notes().get(0).endsWith("for all streams together 128 MiB/s, 64 MiB/s from 5 s, 128 MiB/s again from 10 s"), reduced.notes().get(0));
        }
        assertEquals("1.25 s", Units.offset(Duration.ofMillis(1250)));
    }

    @Test
    void runResultsDeriveRatesFromTimeBytesAndFiles() {
        RunResult result = RunResult.of(1, 2_000_000_000L, 4L << 20, 8, Map.of("store.requests", 3L));
        assertEquals(2.0, result.seconds(), 1e-12);
        assertEquals(2.0, result.mibPerSecond(), 1e-12);
        assertEquals(4.0, result.filesPerSecond(), 1e-12);
        assertEquals(Map.of("store.requests", 3L), result.counters());
    }
}
