package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogOptionsTest {

    @Test
    void shouldRefuseAnUnknownLogFormatNamingTheKnownOnes() {
        for (String command : new String[] {"run", "local"}) {
            CliRunner.Result result = CliRunner.run(command, "--log-format", "xml");
            assertThat(result.exitCode()).as(command).isEqualTo(2);
            assertThat(result.err()).as(command).contains("'xml' is not a log format; use text or json");
        }
    }

    @Test
    void shouldTakeTheLogFormatInAnyCase() {
        LogOptions options = new LogOptions();
        assertThat(new LogOptions.FormatConverter().convert("JSON")).isEqualTo(CommandLogging.Format.JSON);
        assertThat(options.isDefault()).isTrue();
    }
}
