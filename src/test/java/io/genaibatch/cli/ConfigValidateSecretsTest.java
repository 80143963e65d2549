package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** `config validate` shows where every value comes from, never a secret among the Kafka client settings. */
class ConfigValidateSecretsTest {

    @Test
    void shouldMaskPasswordsAndJaasConfigButShowTheOtherKafkaSettings() {
        CliRunner.Result r = CliRunner.run(
                "config",
                "validate",
                "--set",
                "kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
                        + "required username=\"svc\" password=\"s3cr3t-jaas\";",
                "--set",
                "kafka.properties.ssl.truststore.password=s3cr3t-trust",
                "--set",
                "kafka.properties.ssl.key.password=s3cr3t-key",
                "--set",
                "kafka.properties.basic.auth.user.info=svc:s3cr3t-basic",
                "--set",
                "kafka.properties.security.protocol=SASL_SSL");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .doesNotContain("s3cr3t")
                .contains("kafka.properties.sasl.jaas.config")
                .contains("kafka.properties.ssl.key.password")
                .contains("(hidden)")
                .contains("kafka.properties.security.protocol")
                .contains("SASL_SSL");
    }
}
