package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.gfsload.planner.fixture.PlannerReadingAReport;
import io.gfsload.planner.fixture.PlannerWritingBlocks;
import org.junit.jupiter.api.Test;

/**
 * Every production class of every module keeps to the layering; a class that breaks it fails
 * this test and so {@code mvn verify}.
 */
class TestLayering {
    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gfsload");

    @Test
    void productionCodeKeepsTheLayering() {
        assertTrue(PRODUCTION.stream().anyMatch(c -> c.getPackageName().startsWith("io.gfsload.cache.")), "cache-cluster classes imported");
        assertTrue(PRODUCTION.stream().anyMatch(c -> c.getPackageName().startsWith("io.gfsload.planner")), "planner classes imported");
        assertTrue(PRODUCTION.stream().anyMatch(c -> c.getPackageName().startsWith("io.gfsload.executor")), "executor classes imported");
        for (ArchRule rule : Layering.ALL) {
            rule.check(PRODUCTION);
        }
    }

    @Test
    void aPlannerClassImportingTheExecutorBreaksTheBuild() {
        JavaClasses wrong = new ClassFileImporter().importClasses(PlannerReadingAReport.class);
        EvaluationResult result = Layering.PLANNER_NEVER_SEES_THE_WRITE_PATH.evaluate(wrong);
        assertTrue(result.hasViolation());
        assertTrue(result.getFailureReport().toString().contains("io.gfsload.executor.LoadReport"), result.getFailureReport().toString());
    }

    @Test
    void aPlannerClassUsingTheBlockWriterBreaksTheBuild() {
        JavaClasses wrong = new ClassFileImporter().importClasses(PlannerWritingBlocks.class);
        EvaluationResult result = Layering.PLANNER_NEVER_SEES_THE_WRITE_PATH.evaluate(wrong);
        assertTrue(result.hasViolation());
        assertTrue(result.getFailureReport().toString().contains("io.gfsload.cache.api.BlockWriter"), result.getFailureReport().toString());
    }

    @Test
    void libraryCodePrintingToTheTerminalBreaksTheBuild() {
        JavaClasses wrong = new ClassFileImporter().importClasses(PlannerReadingAReport.class);
        assertTrue(Layering.ONLY_THE_CLI_PRINTS.evaluate(wrong).hasViolation());
        JavaClasses quiet = new ClassFileImporter().importClasses(PlannerWritingBlocks.class);
        assertFalse(Layering.ONLY_THE_CLI_PRINTS.evaluate(quiet).hasViolation());
    }
}
