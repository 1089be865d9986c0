package io.gfsload.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS;

import com.tngtech.archunit.lang.ArchRule;
import java.io.Serializable;
import java.util.List;

/**
 * The module layering of DESIGN.md as ArchUnit rules: dependencies point down the module table
 * only, and only the command line touches the terminal.
 */
final class Layering {
    private Layering() {}

    static final ArchRule CACHE_CLUSTER_DEPENDS_ON_NOTHING_OF_OURS = noClasses()
            .that().resideInAPackage("io.gfsload.cache..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.gfsload.catalog..", "io.gfsload.planner..", "io.gfsload.advisor..", "io.gfsload.executor..", "io.gfsload.cli..", "io.gfsload.examples..")
            .because("cache-cluster is the bottom of the module table");

    static final ArchRule CATALOG_DEPENDS_ON_NOTHING_OF_OURS = noClasses()
            .that().resideInAPackage("io.gfsload.catalog..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.gfsload.cache..", "io.gfsload.planner..", "io.gfsload.advisor..", "io.gfsload.executor..", "io.gfsload.cli..", "io.gfsload.examples..")
            .because("hive-catalog depends on hive-metastore only");

    static final ArchRule PLANNER_NEVER_SEES_THE_WRITE_PATH = noClasses()
            .that().resideInAPackage("io.gfsload.planner..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.gfsload.advisor..", "io.gfsload.executor..", "io.gfsload.cli..", "io.gfsload.examples..",
                    "io.gfsload.cache.master..", "io.gfsload.cache.worker..", "io.gfsload.cache.local..", "io.gfsload.cache.client..", "io.gfsload.cache.rpc..", "io.gfsload.cache.proto..")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("io.gfsload.cache.api.BlockWriter")
            .because("the planner reads the cache's state but never writes to it");

    static final ArchRule ADVISOR_IS_PURE = noClasses()
            .that().resideInAPackage("io.gfsload.advisor..")
            .should().dependOnClassesThat(resideInAnyPackage(
                    "io.gfsload.cache..", "io.gfsload.catalog..", "io.gfsload.planner..", "io.gfsload.executor..", "io.gfsload.cli..", "io.gfsload.examples..",
                    "org.apache.hadoop..", "java.io..", "java.nio.file..")
                    // a marker: settings travel to a Spark job's executors with the slices of a load
                    .and(not(equivalentTo(Serializable.class))))
            .because("the advisor is pure functions that know no Hadoop and do no I/O");

    static final ArchRule EXECUTOR_NEVER_TALKS_TO_THE_METASTORE = noClasses()
            .that().resideInAPackage("io.gfsload.executor..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.gfsload.catalog..", "io.gfsload.cli..", "io.gfsload.examples..", "org.apache.hadoop.hive..",
                    "io.gfsload.cache.master..", "io.gfsload.cache.worker..", "io.gfsload.cache.local..", "io.gfsload.cache.rpc..", "io.gfsload.cache.proto..")
            .because("the executor runs plans through the cache client and never talks to the metastore");

    static final ArchRule ONLY_THE_CLI_PRINTS = noClasses()
            .that().resideOutsideOfPackages("io.gfsload.cli..", "io.gfsload.examples..")
            .should(ACCESS_STANDARD_STREAMS)
            .because("library code reports through listeners and reports; only the cli prints");

    static final List<ArchRule> ALL = List.of(
            CACHE_CLUSTER_DEPENDS_ON_NOTHING_OF_OURS,
            CATALOG_DEPENDS_ON_NOTHING_OF_OURS,
            PLANNER_NEVER_SEES_THE_WRITE_PATH,
            ADVISOR_IS_PURE,
            EXECUTOR_NEVER_TALKS_TO_THE_METASTORE,
            ONLY_THE_CLI_PRINTS);
}
