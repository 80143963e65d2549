package io.genaibatch.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Pattern STRING_LITERAL = Pattern.compile("\"([A-Z][A-Z0-9_]*)\"");

    @Test
    void schemasDocShowsTheCatalogueAsGenerated() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/SCHEMAS.md"));
        int start = doc.indexOf(ErrorCode.TABLE_START);
        int end = doc.indexOf(ErrorCode.TABLE_END);
        assertThat(start)
                .as("docs/SCHEMAS.md has the line %s", ErrorCode.TABLE_START)
                .isNotNegative();
        assertThat(end)
                .as("docs/SCHEMAS.md has the line %s", ErrorCode.TABLE_END)
                .isGreaterThan(start);
        assertThat(doc.substring(start, end + ErrorCode.TABLE_END.length() + 1))
                .as(
                        "the error codes table of docs/SCHEMAS.md is generated: replace it with the output of `genai-batch errors`")
                .isEqualTo(ErrorCode.markdownTable());
    }

    @Test
    void codesOnTheWireAreNeverRenamedOrRemoved() {
        Set<String> codes = Stream.of(ErrorCode.values()).map(ErrorCode::code).collect(Collectors.toSet());
        assertThat(codes)
                .containsAll(List.of(
                        "UNDECODABLE",
                        "NOT_AN_OBJECT",
                        "MISSING_KIND",
                        "INVALID_KIND",
                        "MISSING_MODEL",
                        "INVALID_MODEL",
                        "UNKNOWN_MODEL",
                        "INVALID_REQUEST",
                        "EMPTY_CONTENTS",
                        "INVALID_REQUEST_ID",
                        "REQUEST_TOO_LARGE",
                        "NULL_KEY",
                        "PROCESSING_FAILED",
                        "HELD_REQUEST_LOST",
                        "SEAL_MISMATCH",
                        "UPLOAD_REFUSED",
                        "CREATE_REFUSED",
                        "JOB_FAILED",
                        "JOB_EXPIRED",
                        "JOB_CANCELLED",
                        "JOB_NOT_FOUND",
                        "JOB_STUCK",
                        "RESULT_MISSING",
                        "RESULT_DUPLICATED",
                        "RESULT_UNREADABLE",
                        "RESPONSE_TOO_LARGE"));
    }

    @Test
    void mainCodeTakesItsErrorCodesFromTheCatalogue() throws IOException {
        Set<String> codes = Stream.of(ErrorCode.values()).map(ErrorCode::code).collect(Collectors.toSet());
        Path main = ROOT.resolve("src/main/java");
        Path catalogue = main.resolve("io/genaibatch/batch/ErrorCode.java");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.equals(catalogue))
                    .toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (namesACode(line, codes)
                            || line.matches(".*(new Error\\(|setCode\\()\"[A-Z0-9_]+\"\\s*[,)].*")) {
                        found.add(main.relativize(file) + ":" + (i + 1) + ": " + line.strip());
                    }
                }
            }
        }
        assertThat(found)
                .as("error codes written as string literals: use (or add to) io.genaibatch.batch.ErrorCode")
                .isEmpty();
    }

    private static boolean namesACode(String line, Set<String> codes) {
        Matcher m = STRING_LITERAL.matcher(line);
        while (m.find()) {
            if (codes.contains(m.group(1))) {
                return true;
            }
        }
        return false;
    }
}
