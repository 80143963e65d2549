package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ErrorsCommandTest {

    @Test
    void printsTheErrorCodesTableOfTheSchemasDoc() throws Exception {
        CliRunner.Result r = CliRunner.run("errors");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("<!-- error codes").contains("| `SEAL_MISMATCH` | FAILED | may succeed |");
        assertThat(Files.readString(Path.of("docs/SCHEMAS.md"))).contains(r.out());
    }
}
