package io.genaibatch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** What each package's package-info.java says it must never import, enforced on the compiled classes. */
class LayeringTest {
    private static final Path MAIN = Path.of(System.getProperty("user.dir"), "src/main/java/io/genaibatch");
    private static final List<String> ROLES = List.of("accumulate", "submit", "poll");

    /**
     * Each package's "Must never import" line, as its package-info.java words it: "a role" is accumulate, submit
     * and poll; "the Gemini client" is the gemini package (the SDK has its own rule below); "kafka" is our kafka
     * package. Change a line here only with its package-info.
     */
    private static final Map<String, List<String>> MUST_NEVER_IMPORT = new TreeMap<>(Map.ofEntries(
            Map.entry("accumulate", List.of("submit", "poll", "gemini", "emulator", "bench", "cli")),
            Map.entry("submit", List.of("accumulate", "poll", "emulator", "bench", "cli")),
            Map.entry("poll", List.of("accumulate", "submit", "emulator", "bench", "cli")),
            Map.entry("batch", roleAnd("kafka", "gemini", "emulator", "bench", "cli")),
            Map.entry("config", roleAnd("kafka", "gemini", "emulator", "bench", "cli")),
            Map.entry("gemini", roleAnd("emulator", "kafka", "bench", "cli")),
            Map.entry("jobs", roleAnd("gemini", "emulator", "bench", "cli")),
            Map.entry("kafka", roleAnd("gemini", "emulator", "bench", "cli")),
            Map.entry("run", roleAnd("emulator", "bench", "cli")),
            Map.entry("ops", roleAnd("emulator", "bench", "cli")),
            Map.entry("emulator", roleAnd("gemini", "kafka", "config", "batch", "records", "bench", "cli", "ops")),
            Map.entry("bench", List.of("cli")),
            // "It may import every other package; no other package may import it": see noPackageImportsTheCommandLine.
            Map.entry("cli", List.of())));

    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.genaibatch");
    }

    private static List<String> roleAnd(String... others) {
        return Stream.concat(ROLES.stream(), Stream.of(others)).toList();
    }

    @Test
    void everyPackageWithAPackageInfoHasItsRuleHere() throws IOException {
        Set<String> documented;
        try (Stream<Path> dirs = Files.list(MAIN)) {
            documented = dirs.filter(d -> Files.exists(d.resolve("package-info.java")))
                    .map(d -> d.getFileName().toString())
                    .collect(Collectors.toSet());
        }
        assertThat(MUST_NEVER_IMPORT.keySet())
                .as("packages with a package-info.java, each with its rule in this test")
                .containsExactlyInAnyOrderElementsOf(documented);
    }

    @TestFactory
    Stream<DynamicTest> eachPackageImportsNothingItsPackageInfoForbids() {
        return MUST_NEVER_IMPORT.entrySet().stream()
                .filter(e -> !e.getValue().isEmpty())
                .map(e -> DynamicTest.dynamicTest(
                        e.getKey() + " must never import " + e.getValue(),
                        () -> noClasses()
                                .that()
                                .resideInAPackage("io.genaibatch." + e.getKey() + "..")
                                .should()
                                .dependOnClassesThat()
                                .resideInAnyPackage(e.getValue().stream()
                                        .map(p -> "io.genaibatch." + p + "..")
                                        .toArray(String[]::new))
                                .because("its package-info.java says so")
                                .check(classes)));
    }

    @Test
    void noPackageImportsTheCommandLine() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.genaibatch.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.genaibatch.cli..")
                .because("the command line wires every other package; nothing is built on it")
                .check(classes);
    }

    @Test
    void onlyTheCommandLineUsesTheBenchmarks() {
        noClasses()
                .that()
                .resideOutsideOfPackages("io.genaibatch.cli..", "io.genaibatch.bench..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.genaibatch.bench..")
                .because("benchmarks measure the service; nothing it runs on depends on them")
                .check(classes);
    }

    @Test
    void onlyTheGeminiPackageUsesTheSdk() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.genaibatch.gemini..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.google.genai..")
                .because("gemini.BatchApi is the one seam to the API: the SDK is used only where it is right")
                .check(classes);
    }
}
