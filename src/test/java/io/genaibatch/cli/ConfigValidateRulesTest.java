package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** `config validate` refuses what a role would refuse or misbehave with later, naming the keys involved. */
class ConfigValidateRulesTest {

    @Test
    void shouldRefuseKeysThatDoNotHoldTogetherNamingBoth() {
        CliRunner.Result r = CliRunner.run("config", "validate", "--set", "submit.jobs-read-timeout=30s");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("submit.jobs-read-timeout (30s)").contains("transaction.timeout.ms");
    }

    @Test
    void shouldRefuseAnOverrideOfAFixedKafkaSettingWithTheReason() {
        CliRunner.Result r =
                CliRunner.run("config", "validate", "--set", "kafka.properties.isolation.level=read_uncommitted");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("kafka.properties.isolation.level is fixed by genai-batch (read_committed)");
    }

    @Test
    void shouldRefuseTheGeminiSettingsAClientWouldRefuseAtStart() {
        assertThat(CliRunner.run("config", "validate", "--set", "gemini.api-version=latest")
                        .err())
                .contains("gemini.api-version");
        assertThat(CliRunner.run("config", "validate", "--set", "gemini.base-url=ftp://example.com")
                        .err())
                .contains("gemini.base-url");
        CliRunner.Result insecure =
                CliRunner.run("config", "validate", "--set", "gemini.base-url=http://example.com:8089");
        assertThat(insecure.exitCode()).isNotZero();
        assertThat(insecure.err()).contains("plain http to a host that is not loopback");
    }

    @Test
    void shouldRefuseAPricesFileThePollerCouldNotRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        CliRunner.Result missing =
                CliRunner.run("config", "validate", "--set", "cost.prices-file=" + dir.resolve("missing.yaml"));
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains("cost.prices-file");

        java.nio.file.Path wrong = java.nio.file.Files.writeString(dir.resolve("wrong.yaml"), "batch-discount: 2\n");
        CliRunner.Result unusable = CliRunner.run("config", "validate", "--set", "cost.prices-file=" + wrong);
        assertThat(unusable.exitCode()).isNotZero();
        assertThat(unusable.err()).contains("batch-discount must be in (0, 1]");
    }
}
