package io.genaibatch.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The repository stands alone: every relative link of README.md and docs/ resolves, headings included. */
class DocsLinksTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern FENCE = Pattern.compile("^\\s*```");
    /** Places that were never part of the repository, which earlier pages pointed to. */
    private static final List<String> OUTSIDE =
            List.of("shared/", "DESIGN.md", "CONTRACT-", "gemini-batch-protocol.md");

    @Test
    void everyRelativeLinkOfTheDocsResolvesToAFileAndHeading() {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            for (String target : links(page)) {
                if (target.matches("^[a-z]+:.*")) {
                    continue; // http:, https:, mailto:
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path resolved =
                        file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(ROOT.relativize(page) + ": " + target + " (no such file)");
                } else if (anchor != null
                        && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(anchor)) {
                    broken.add(ROOT.relativize(page) + ": " + target + " (no such heading in "
                            + ROOT.relativize(resolved) + ")");
                }
            }
        }
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void noPageOrSourceFilePointsOutsideTheRepository() throws IOException {
        List<Path> files = new ArrayList<>(pages());
        try (Stream<Path> sources =
                Stream.concat(Files.walk(ROOT.resolve("src/main")), Files.walk(ROOT.resolve("src/test")))) {
            sources.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals(DocsLinksTest.class.getSimpleName() + ".java"))
                    .forEach(files::add);
        }
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            String text = read(file);
            for (String outside : OUTSIDE) {
                if (text.contains(outside)) {
                    found.add(ROOT.relativize(file) + " mentions " + outside);
                }
            }
        }
        assertThat(found)
                .as("references to files that are not in the repository")
                .isEmpty();
    }

    @Test
    void headingsBecomeTheAnchorsGithubMakes() {
        assertThat(slug("The Java SDK 2.0.0, measured")).isEqualTo("the-java-sdk-200-measured");
        assertThat(slug("Batches (paths relative to `{baseUrl}/v1beta/`)"))
                .isEqualTo("batches-paths-relative-to-baseurlv1beta");
        assertThat(slug("Job policies: what each outcome becomes (`poll.policy`)"))
                .isEqualTo("job-policies-what-each-outcome-becomes-pollpolicy");
    }

    private static List<Path> pages() {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pages;
    }

    /** Link targets outside code blocks (a code block shows text, its brackets are no links). */
    private static List<String> links(Path page) {
        List<String> targets = new ArrayList<>();
        boolean code = false;
        for (String line : read(page).split("\n")) {
            if (FENCE.matcher(line).find()) {
                code = !code;
                continue;
            }
            if (code) {
                continue;
            }
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", ""));
            while (m.find()) {
                targets.add(m.group(1));
            }
        }
        return targets;
    }

    private static Set<String> anchors(Path page) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean code = false;
        for (String line : read(page).split("\n")) {
            if (FENCE.matcher(line).find()) {
                code = !code;
            } else if (!code && line.startsWith("#")) {
                String slug = slug(line.replaceFirst("^#+\\s*", ""));
                int n = seen.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
        }
        return anchors;
    }

    /** GitHub's rule: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
    static String slug(String heading) {
        return heading.trim()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
                .replace(' ', '-');
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
