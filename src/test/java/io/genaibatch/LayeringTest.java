package io.genaibatch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** What each package's package-info.java says it must never import, enforced on the compiled classes. */
class LayeringTest {
    private static final Path MAIN = Path.of(System.getProperty("user.dir"), "src/main/java/io/genaibatch");
    private static final Path COMPILED = Path.of(System.getProperty("user.dir"), "target/classes/io/genaibatch");
    private static final List<String> ROLES = List.of("accumulate", "submit", "poll");

    /** The sentence up to its first full stop or colon outside parentheses ("gemini.BatchApi" is in some). */
    private static final Pattern NEVER_IMPORT = Pattern.compile("Must never import:\\s*((?:[^.:()]|\\([^)]*\\))*)");

    private static final Pattern ANOTHER_ROLE = Pattern.compile("another role \\(([^)]*)\\)");

    /**
     * Each package's "Must never import" line, read from its package-info.java and mapped to packages: "a role" is
     * accumulate, submit and poll; "another role (x, y)" the roles named; "the Gemini client" the gemini package;
     * "the emulator" the emulator package; a plain name is that package. The SDK is named too, but it has its own
     * rule below ({@link #onlyTheGeminiPackageUsesTheSdk}). A phrase not known here fails the test, so that a
     * package-info line and what is checked cannot drift apart.
     */
    private static final Map<String, List<String>> MUST_NEVER_IMPORT = readPackageInfoRules();

    static Map<String, List<String>> readPackageInfoRules() {
        Map<String, List<String>> rules = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(MAIN)) {
            for (Path dir : dirs.filter(d -> Files.exists(d.resolve("package-info.java")))
                    .toList()) {
                rules.put(
                        dir.getFileName().toString(),
                        neverImported(Files.readString(dir.resolve("package-info.java"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rules;
    }

    /** The packages a package-info's "Must never import:" sentence names; none when it has no such sentence. */
    static List<String> neverImported(String packageInfo) {
        String text = packageInfo.replaceAll("\\R\\s*\\*\\s?", " ").replaceAll("\\s+", " ");
        Matcher line = NEVER_IMPORT.matcher(text);
        if (!line.find()) {
            return List.of();
        }
        String sentence = line.group(1);
        List<String> packages = new ArrayList<>();
        Matcher another = ANOTHER_ROLE.matcher(sentence);
        if (another.find()) {
            for (String role : another.group(1).split(",\\s*")) {
                packages.add(known(role.strip()));
            }
            sentence = another.replaceAll("the roles named");
        }
        sentence = sentence.replaceAll("\\([^)]*\\)", "");
        for (String phrase : sentence.split(",\\s*|\\s+or\\s+")) {
            String p = phrase.strip();
            switch (p) {
                case "the roles named", "SDK", "the google-genai SDK" -> {}
                case "a role" -> packages.addAll(ROLES);
                case "the Gemini client" -> packages.add("gemini");
                case "the emulator" -> packages.add("emulator");
                default -> packages.add(known(p));
            }
        }
        return List.copyOf(packages);
    }

    /** {@code name}, when it is a package of the product's compiled classes (generated ones included). */
    private static String known(String name) {
        if (!name.matches("[a-z]+") || !Files.isDirectory(COMPILED.resolve(name))) {
            throw new AssertionError("a 'Must never import' line names '" + name + "', which is no package of the"
                    + " product: name a package, or teach LayeringTest.neverImported the phrase");
        }
        return name;
    }

    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.genaibatch");
    }

    @Test
    void everyPackageButTheCommandLineSaysWhatItMustNeverImport() throws IOException {
        Set<String> packages;
        try (Stream<Path> dirs = Files.list(MAIN)) {
            packages = dirs.filter(Files::isDirectory)
                    .map(d -> d.getFileName().toString())
                    .collect(Collectors.toSet());
        }
        assertThat(MUST_NEVER_IMPORT.keySet())
                .as("packages with a package-info.java")
                .containsExactlyInAnyOrderElementsOf(packages);
        MUST_NEVER_IMPORT.forEach((name, never) -> {
            if (!name.equals("cli")) {
                assertThat(never).as(name + "'s 'Must never import' line").isNotEmpty();
            }
        });
    }

    @Test
    void readsThePackagesAPackageInfoLineNames() {
        assertThat(neverImported("""
                /**
                 * Something.
                 *
                 * <p>Must never import: another role (submit, poll), the Gemini client or SDK, the google-genai SDK (only
                 * through gemini.BatchApi), the emulator, kafka, bench or cli: it stands in for the service.
                 */
                package io.genaibatch.x;
                """)).containsExactly("submit", "poll", "gemini", "emulator", "kafka", "bench", "cli");
        assertThat(neverImported("/** <p>Must never import: a role. */"))
                .containsExactly("accumulate", "submit", "poll");
        assertThat(neverImported("/** <p>It may import every other package. */"))
                .isEmpty();
    }

    @Test
    void refusesALineNamingWhatIsNoPackageOfTheProduct() {
        assertThatThrownBy(() -> neverImported("/** <p>Must never import: another role (submit, pol), bench. */"))
                .hasMessageContaining("'pol'");
        assertThatThrownBy(() -> neverImported("/** <p>Must never import: another role, bench. */"))
                .hasMessageContaining("'another role'");
        assertThatThrownBy(() -> neverImported("/** <p>Must never import: testkit. */"))
                .as("a package of the tests only")
                .hasMessageContaining("'testkit'");
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
