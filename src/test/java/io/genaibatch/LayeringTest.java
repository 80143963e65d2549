package io.genaibatch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What each package's package-info.java says it must never import, enforced on the compiled classes. */
class LayeringTest {
    private static final String ROLES_AND_TOOLS = "..genaibatch.(accumulate|submit|poll|emulator|bench|cli)..";
    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.genaibatch");
    }

    @Test
    void onlyTheGeminiPackageUsesTheSdk() {
        noClasses().that().resideOutsideOfPackage("io.genaibatch.gemini..")
                .should().dependOnClassesThat().resideInAPackage("com.google.genai..")
                .because("gemini.BatchApi is the one seam to the API: the SDK is used only where it is right")
                .check(classes);
    }

    @Test
    void noRoleUsesAnotherRoleTheEmulatorBenchOrCli() {
        for (String role : new String[] {"accumulate", "submit", "poll"}) {
            noClasses().that().resideInAPackage("io.genaibatch." + role + "..")
                    .should().dependOnClassesThat().resideInAPackage(ROLES_AND_TOOLS.replace(role + "|", "")
                            .replace("|" + role, ""))
                    .because("roles meet only through topics; the emulator, benchmarks and cli are built on them")
                    .check(classes);
        }
    }

    @Test
    void theEmulatorKnowsNothingOfTheProductButFileUtilities() {
        noClasses().that().resideInAPackage("io.genaibatch.emulator..")
                .should().dependOnClassesThat().resideInAnyPackage("io.genaibatch.accumulate..", "io.genaibatch.submit..",
                        "io.genaibatch.poll..", "io.genaibatch.gemini..", "io.genaibatch.kafka..", "io.genaibatch.config..",
                        "io.genaibatch.batch..", "io.genaibatch.ops..", "io.genaibatch.bench..",
                        "io.genaibatch.cli..", "io.genaibatch.records..")
                .because("it stands in for the service, which knows nothing of genai-batch")
                .check(classes);
    }

    @Test
    void sharedPackagesUseNoRoleNorTheToolsBuiltOnThem() {
        noClasses().that().resideInAnyPackage("io.genaibatch.batch..", "io.genaibatch.config..", "io.genaibatch.kafka..",
                        "io.genaibatch.gemini..", "io.genaibatch.run..", "io.genaibatch.ops..", "io.genaibatch.jobs..")
                .should().dependOnClassesThat().resideInAPackage(ROLES_AND_TOOLS)
                .because("roles and tools are built on the shared packages, never the other way round")
                .check(classes);
    }

    @Test
    void onlyTheCommandLineUsesTheBenchmarks() {
        noClasses().that().resideOutsideOfPackages("io.genaibatch.cli..", "io.genaibatch.bench..")
                .should().dependOnClassesThat().resideInAPackage("io.genaibatch.bench..")
                .check(classes);
    }
}
