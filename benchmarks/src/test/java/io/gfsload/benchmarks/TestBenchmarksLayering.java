package io.gfsload.benchmarks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The simulator stands alone, and neither module touches System.out or System.err directly. */
class TestBenchmarksLayering {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gfsload.ufs.simulator", "io.gfsload.benchmarks");

    @Test
    void simulatorDependsOnNothingOfOurs() {
        noClasses().that().resideInAPackage("io.gfsload.ufs.simulator..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.gfsload.cache..", "io.gfsload.catalog..", "io.gfsload.planner..", "io.gfsload.advisor..",
                        "io.gfsload.executor..", "io.gfsload.cli..", "io.gfsload.benchmarks..")
                .because("ufs-simulator is a Hadoop FileSystem that anything may use, and uses nothing of ours")
                .check(CLASSES);
    }

    @Test
    void nothingPrintsDirectly() {
        noClasses().should(ACCESS_STANDARD_STREAMS)
                .because("the harness reports through BenchmarkListener; Bench prints through picocli's writers")
                .check(CLASSES);
    }
}
