package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.config.ConfigKeys;
import org.junit.jupiter.api.Test;

/** --help shows the defaults ConfigKeys declares, never a copy that could drift. */
class HelpDefaultsTest {

    @Test
    void shouldShowTheDeclaredDefaultsInTheHelpOfRun() {
        CliRunner.Result r = CliRunner.run("run", "--help");

        assertThat(r.out())
                .contains("(default " + ConfigKeys.HTTP_PORT.defaultText() + ")")
                .contains("(default " + ConfigKeys.BOOTSTRAP_SERVERS.defaultText() + ")")
                .contains("(default " + ConfigKeys.VALUE_FORMAT.defaultText() + ")")
                .doesNotContain("${bundle");
    }
}
