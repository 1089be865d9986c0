package io.gfsload.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The module layering of DESIGN.md as ArchUnit rules: dependencies point down the module table
 * only, and only the command line touches the terminal. Public for the modules above cli
 * ({@code spark-job}), which check the same rules with their own classes among the imported.
 */
public final class Layering {
    private Layering() {}

    /** The packages of the modules on top of the table, which nothing else of ours may depend on. */
    private static final String[] TOP = {"io.gfsload.examples..", "io.gfsload.spark..", "io.gfsload.benchmarks..", "io.gfsload.ufs.simulator.."};

    static final ArchRule CACHE_CLUSTER_DEPENDS_ON_NOTHING_OF_OURS = noClasses()
            .that().resideInAPackage("io.gfsload.cache..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.gfsload.catalog..", "io.gfsload.planner..", "io.gfsload.advisor..", "io.gfsload.executor..", "io.gfsload.cli..")
            .orShould().dependOnClassesThat().resideInAnyPackage(TOP)
            .because("cache-cluster is the bottom of the module table");

    static final ArchRule CATALOG_DEPENDS_ON_NOTHING_OF_OURS = noClasses()
            .that().resideInAPackage("io.gfsload.catalog..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.gfsload.cache..", "io.gfsload.planner..", "io.gfsload.advisor..", "io.gfsload.executor..", "io.gfsload.cli..")
            .orShould().dependOnClassesThat().resideInAnyPackage(TOP)
            .because("hive-catalog depends on hive-metastore only");

    /**
     * Of cache-cluster, the planner sees the client's face ({@code api}) and how the cache names a
     * UFS file ({@code ufs}); not the client's implementation, the servers, or {@code gfs://},
     * whose file system holds a client.
     */
    static final ArchRule PLANNER_NEVER_SEES_THE_WRITE_PATH = noClasses()
            .that().resideInAPackage("io.gfsload.planner..")
            .should().dependOnClassesThat().resideInAnyPackage("io.gfsload.advisor..", "io.gfsload.executor..", "io.gfsload.cli..")
            .orShould().dependOnClassesThat().resideInAnyPackage(TOP)
            .orShould().dependOnClassesThat(resideInAPackage("io.gfsload.cache..").and(not(resideInAnyPackage("io.gfsload.cache.api", "io.gfsload.cache.ufs"))))
            .orShould().dependOnClassesThat().haveFullyQualifiedName("io.gfsload.cache.api.BlockWriter")
            .because("the planner reads the cache's state through the client's api but never writes to it");

    static final ArchRule ADVISOR_IS_PURE = noClasses()
            .that().resideInAPackage("io.gfsload.advisor..")
            .should().dependOnClassesThat(resideInAnyPackage(
                    "io.gfsload.cache..", "io.gfsload.catalog..", "io.gfsload.planner..", "io.gfsload.executor..", "io.gfsload.cli..",
                    "org.apache.hadoop..", "java.io..", "java.nio.file..")
                    // a marker: settings travel to a Spark job's executors with the slices of a load
                    .and(not(equivalentTo(Serializable.class))))
            .orShould().dependOnClassesThat().resideInAnyPackage(TOP)
            .because("the advisor is pure functions that know no Hadoop and do no I/O");

    static final ArchRule EXECUTOR_NEVER_TALKS_TO_THE_METASTORE = noClasses()
            .that().resideInAPackage("io.gfsload.executor..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.gfsload.catalog..", "io.gfsload.cli..", "org.apache.hadoop.hive..",
                    "io.gfsload.cache.master..", "io.gfsload.cache.worker..", "io.gfsload.cache.local..", "io.gfsload.cache.server..",
                    "io.gfsload.cache.rpc..", "io.gfsload.cache.proto..", "io.gfsload.cache.fs..")
            .orShould().dependOnClassesThat().resideInAnyPackage(TOP)
            .because("the executor runs plans through the cache client and never talks to the metastore");

    static final ArchRule CLI_IS_BELOW_THE_SPARK_JOB = noClasses()
            .that().resideInAPackage("io.gfsload.cli..")
            .should().dependOnClassesThat().resideInAnyPackage(TOP)
            .because("the Spark job, the examples and the benchmarks run the cli, never the other way");

    /**
     * The Spark job runs the command line on its driver and the executor's slices on its
     * executors: it talks to the cache as a client, never to its servers.
     */
    public static final ArchRule SPARK_JOB_RUNS_THE_CLI_AND_THE_EXECUTOR = noClasses()
            .that().resideInAPackage("io.gfsload.spark..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.gfsload.examples..", "io.gfsload.benchmarks..", "io.gfsload.ufs.simulator..",
                    "io.gfsload.cache.master..", "io.gfsload.cache.worker..", "io.gfsload.cache.local..", "io.gfsload.cache.server..",
                    "io.gfsload.cache.rpc..", "io.gfsload.cache.proto..")
            .because("spark-job depends on cli, and reaches the cache through its client")
            // none on cli's class path: spark-job's tests check it on its classes
            .allowEmptyShould(true);

    static final ArchRule ONLY_THE_CLI_PRINTS = noClasses()
            .that().resideOutsideOfPackages("io.gfsload.cli..", "io.gfsload.examples..")
            .should(ACCESS_STANDARD_STREAMS)
            .because("library code reports through listeners and reports; only the cli prints");

    /**
     * {@code gfs://} needs nothing of ours but what the gfs-hadoop jar holds beside it: a class it
     * reaches, however indirectly, that the jar leaves out fails a query engine's read at run time.
     *
     * @param held the jar's classes as name prefixes, as its shade filter includes them
     *     ({@code io.gfsload.cache.client.} for a package and its sub-packages,
     *     {@code io.gfsload.cache.worker.BlockFileHeader} for a class and its nested classes)
     */
    static ArchRule gfsFileSystemNeedsOnlyWhatGfsHadoopHolds(List<String> held) {
        DescribedPredicate<JavaClass> inTheJar = DescribedPredicate.describe("in the gfs-hadoop jar " + held,
                javaClass -> held.stream().anyMatch(javaClass.getName()::startsWith));
        return noClasses()
                .that().resideInAPackage("io.gfsload.cache.fs..")
                .should().transitivelyDependOnClassesThat(resideInAPackage("io.gfsload..").and(not(inTheJar)))
                .because("gfs-hadoop ships io.gfsload.cache.fs with only the classes of ours its shade filter includes");
    }

    /**
     * The modules of ours each module may depend on outside its tests, by directory: DESIGN.md's
     * table, with the modules it leaves out (ufs-simulator and spark-dist stand alone;
     * metastore-compat is tests only). {@code *} is any. Test dependencies are free: Maven refuses
     * one that points up, as a cycle.
     */
    static final Map<String, Set<String>> MODULE_DEPENDENCIES = Map.ofEntries(
            Map.entry("cache-cluster", Set.of()),
            Map.entry("ufs-simulator", Set.of()),
            Map.entry("hive-catalog", Set.of()),
            Map.entry("load-planner", Set.of("hive-catalog", "cache-cluster")),
            Map.entry("tuning-advisor", Set.of()),
            Map.entry("load-executor", Set.of("load-planner", "tuning-advisor", "cache-cluster")),
            Map.entry("cli", Set.of("load-executor", "load-planner", "hive-catalog", "tuning-advisor", "cache-cluster")),
            Map.entry("spark-dist", Set.of()),
            Map.entry("spark-job", Set.of("cli")),
            Map.entry("gfs-hadoop", Set.of("cache-cluster")),
            Map.entry("examples", Set.of("cli", "load-executor")),
            Map.entry("metastore-compat", Set.of()),
            Map.entry("benchmarks", Set.of("*")));

    /** The production classes of ours on this class path: every module the running tests' module depends on. */
    public static JavaClasses production() {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.gfsload");
    }

    /** Checks every rule of {@link #ALL} on {@code classes}; throws {@link AssertionError} naming each violation. */
    public static void checkAll(JavaClasses classes) {
        for (ArchRule rule : ALL) {
            rule.check(classes);
        }
    }

    /** What {@code rule} reports on {@code classes}; the empty string when they keep it. */
    public static String violations(ArchRule rule, JavaClasses classes) {
        EvaluationResult result = rule.evaluate(classes);
        return result.hasViolation() ? result.getFailureReport().toString() : "";
    }

    /** What {@code rule} reports on {@code fixture} alone: a class that breaks it on purpose. */
    public static String violations(ArchRule rule, Class<?> fixture) {
        return violations(rule, new ClassFileImporter().importClasses(fixture));
    }

    public static final List<ArchRule> ALL = List.of(
            CACHE_CLUSTER_DEPENDS_ON_NOTHING_OF_OURS,
            CATALOG_DEPENDS_ON_NOTHING_OF_OURS,
            PLANNER_NEVER_SEES_THE_WRITE_PATH,
            ADVISOR_IS_PURE,
            EXECUTOR_NEVER_TALKS_TO_THE_METASTORE,
            CLI_IS_BELOW_THE_SPARK_JOB,
            SPARK_JOB_RUNS_THE_CLI_AND_THE_EXECUTOR,
            ONLY_THE_CLI_PRINTS);
}
