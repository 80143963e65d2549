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
        CliRunner.Result r = CliRunner.run("config", "validate", "--set", "kafka.properties.isolation.level=read_uncommitted");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("kafka.properties.isolation.level is fixed by genai-batch (read_committed)");
    }
}
