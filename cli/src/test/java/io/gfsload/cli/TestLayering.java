package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.gfsload.planner.fixture.PlannerReadingAReport;
import io.gfsload.planner.fixture.PlannerReadingGfs;
import io.gfsload.planner.fixture.PlannerWritingBlocks;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every production class of every module keeps to the layering, and every module's pom to the
 * module table; a class or a dependency that breaks it fails this test and so {@code mvn verify}.
 * spark-job's classes are checked against the same rules by its own {@code TestSparkJobLayering}.
 */
class TestLayering {
    private static final JavaClasses PRODUCTION = Layering.production();

    @Test
    void productionCodeKeepsTheLayering() {
        assertTrue(PRODUCTION.stream().anyMatch(c -> c.getPackageName().startsWith("io.gfsload.cache.")), "cache-cluster classes imported");
        assertTrue(PRODUCTION.stream().anyMatch(c -> c.getPackageName().startsWith("io.gfsload.planner")), "planner classes imported");
        assertTrue(PRODUCTION.stream().anyMatch(c -> c.getPackageName().startsWith("io.gfsload.executor")), "executor classes imported");
        Layering.checkAll(PRODUCTION);
    }

    @Test
    void everyModuleDependsOnlyOnWhatTheDesignAllows() {
        Map<String, Set<String>> modules = ModulePoms.dependencies(ModulePoms.root());
        assertEquals(Layering.MODULE_DEPENDENCIES.keySet(), modules.keySet(), "the root pom's modules and the module table");
        assertEquals(Set.of("cli"), modules.get("spark-job"));
        assertEquals(Set.of("cache-cluster"), modules.get("gfs-hadoop"));
        assertEquals(List.of(), ModulePoms.violations(modules, Layering.MODULE_DEPENDENCIES));
    }

    @Test
    void aModuleDependingUpTheTableBreaksTheBuild() {
        Map<String, Set<String>> modules = new TreeMap<>(Map.of(
                "benchmarks", Set.of("spark-job"),
                "gfs-hadoop", Set.of("cache-cluster", "cli"),
                "load-planner", Set.of("hive-catalog", "load-executor"),
                "new-module", Set.of()));
        assertEquals(List.of(
                        "gfs-hadoop depends on cli; it may depend on [cache-cluster]",
                        "load-planner depends on load-executor; it may depend on [cache-cluster, hive-catalog]",
                        "new-module is not in the layering's module table"),
                ModulePoms.violations(modules, Layering.MODULE_DEPENDENCIES));
    }

    @Test
    void gfsFileSystemNeedsOnlyWhatTheGfsHadoopJarHolds() {
        Layering.gfsFileSystemNeedsOnlyWhatGfsHadoopHolds(gfsHadoopJarHolds()).check(PRODUCTION);
    }

    @Test
    void gfsFileSystemReachingAClassTheJarLeavesOutBreaksTheBuild() {
        List<String> withoutUfs = gfsHadoopJarHolds().stream().filter(held -> !held.equals("io.gfsload.cache.ufs.")).toList();
        String violations = Layering.violations(Layering.gfsFileSystemNeedsOnlyWhatGfsHadoopHolds(withoutUfs), PRODUCTION);
        assertTrue(violations.contains("io.gfsload.cache.ufs.UfsFiles"), violations);
    }

    /** The classes of ours in the gfs-hadoop jar, as name prefixes, from its shade filter's includes. */
    private static List<String> gfsHadoopJarHolds() {
        List<String> held = ModulePoms.shadeIncludes(ModulePoms.root().resolve("gfs-hadoop/pom.xml"), "io.gfsload:gfsload-cache-cluster").stream()
                .filter(include -> include.startsWith("io/gfsload/"))
                .map(include -> include.replace("**", "").replace("*", "").replace('/', '.'))
                .toList();
        assertTrue(held.contains("io.gfsload.cache.fs."), held.toString());
        return held;
    }

    @Test
    void aPlannerClassImportingTheExecutorBreaksTheBuild() {
        String violations = Layering.violations(Layering.PLANNER_NEVER_SEES_THE_WRITE_PATH, PlannerReadingAReport.class);
        assertTrue(violations.contains("io.gfsload.executor.LoadReport"), violations);
    }

    @Test
    void aPlannerClassUsingTheBlockWriterBreaksTheBuild() {
        String violations = Layering.violations(Layering.PLANNER_NEVER_SEES_THE_WRITE_PATH, PlannerWritingBlocks.class);
        assertTrue(violations.contains("io.gfsload.cache.api.BlockWriter"), violations);
    }

    @Test
    void aPlannerClassUsingTheGfsFileSystemBreaksTheBuild() {
        String violations = Layering.violations(Layering.PLANNER_NEVER_SEES_THE_WRITE_PATH, PlannerReadingGfs.class);
        assertTrue(violations.contains("io.gfsload.cache.fs.GfsFileSystem"), violations);
    }

    @Test
    void libraryCodePrintingToTheTerminalBreaksTheBuild() {
        assertFalse(Layering.violations(Layering.ONLY_THE_CLI_PRINTS, PlannerReadingAReport.class).isEmpty());
        assertEquals("", Layering.violations(Layering.ONLY_THE_CLI_PRINTS, PlannerWritingBlocks.class));
    }
}
