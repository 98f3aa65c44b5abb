package dev.duet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Stages meet only on the store: what each package may depend on, read from the compiled
 * classes. {@code cli} is the one package that knows every stage.
 */
class StageBoundariesTest {
  private static final JavaClasses DUET = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet");

  @Test
  void evaluateDependsOnNoTrainingStageAndNotOnIngest() {
    noClasses().that().resideInAPackage("dev.duet.evaluate..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.duet.trainml..", "dev.duet.traindl..", "dev.duet.ingest..").check(DUET);
  }

  @Test
  void theVerdictReadsOnlyTheStoreNoStage() {
    noClasses().that().resideInAPackage("dev.duet.verdict..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.duet.ingest..", "dev.duet.trainml..", "dev.duet.traindl..", "dev.duet.training..",
            "dev.duet.evaluate..", "dev.duet.cli..", "dev.duet.spark..").check(DUET);
  }

  @Test
  void eachTrainingBranchDependsNeitherOnIngestNorOnTheOtherBranch() {
    noClasses().that().resideInAPackage("dev.duet.trainml..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.duet.traindl..", "dev.duet.ingest..").check(DUET);
    noClasses().that().resideInAPackage("dev.duet.traindl..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.duet.trainml..", "dev.duet.ingest..").check(DUET);
    noClasses().that().resideInAPackage("dev.duet.training..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.duet.trainml..", "dev.duet.traindl..", "dev.duet.ingest..").check(DUET);
  }

  @Test
  void theConfigDependsOnNoStageAndTheStoreNotOnTheConfig() {
    noClasses().that().resideInAPackage("dev.duet.config..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.duet.ingest..", "dev.duet.trainml..", "dev.duet.traindl..", "dev.duet.training..",
            "dev.duet.evaluate..", "dev.duet.verdict..", "dev.duet.cli..").check(DUET);
    noClasses().that().resideInAPackage("dev.duet.store..").should().dependOnClassesThat()
        .resideInAPackage("dev.duet.config..").check(DUET);
    noClasses().that().resideInAPackage("dev.duet.contracts..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.duet.config..", "dev.duet.store..", "dev.duet.ingest..", "dev.duet.trainml..",
            "dev.duet.traindl..", "dev.duet.training..", "dev.duet.evaluate..", "dev.duet.cli..").check(DUET);
  }

  @Test
  void thePackagesHaveNoDependencyCycle() {
    slices().matching("dev.duet.(*)..").should().beFreeOfCycles().check(DUET);
  }
}
