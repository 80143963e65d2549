package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Invalid values are refused before Kafka is contacted: the bootstrap server here does not exist. */
class WindowCommandsTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --max-requests | 0     | config key 'window.max-requests' has invalid value '0': must be at least 1
            --max-requests | -5    | config key 'window.max-requests' has invalid value '-5'
            --max-bytes    | 0     | config key 'window.max-bytes' has invalid value '0': must be between 1 and 2GB
            --max-bytes    | 3GB   | config key 'window.max-bytes' has invalid value '3GB': must be between 1 and 2GB (the Gemini batch input file limit)
            --max-wait     | 0s    | config key 'window.max-wait' has invalid value '0s': must be more than 0 and at most 48h
            --max-wait     | 49h   | config key 'window.max-wait' has invalid value '49h'
            --max-wait     | soon  | config key 'window.max-wait' has invalid value 'soon': expected a duration
            --shards       | 0     | config key 'window.shards' has invalid value '0'
            --enabled      | maybe | config key 'window.enabled' has invalid value 'maybe': expected true or false
            """)
    void shouldRefuseAnInvalidValueNamingTheKeyWithoutContactingKafka(String flag, String value, String message) {
        long start = System.nanoTime();
        CliRunner.Result result = CliRunner.run(
                "config", "set", "--model", "gemini-2.5-flash", flag, value, "--bootstrap-servers", "localhost:1");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains(flag + ": " + message).doesNotContain("at io.genaibatch");
        assertThat(System.nanoTime() - start)
                .as("no Kafka timeout was waited out")
                .isLessThan(5_000_000_000L);
    }

    @ParameterizedTest
    @CsvSource({"gemini 2.5", "a/b/c"})
    void shouldRefuseAModelThatIsNotAModelName(String model) {
        CliRunner.Result result = CliRunner.run(
                "config", "set", "--model", model, "--max-requests", "5", "--bootstrap-servers", "localhost:1");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--model: '" + model + "' is not a model name");
    }
}
