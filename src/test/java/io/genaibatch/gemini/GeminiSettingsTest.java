package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.config.GenAiBatchConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GeminiSettingsTest {

    @Test
    void shouldPreferGoogleApiKeyWhenBothAreSetAsTheSdkDoes() {
        GeminiSettings s =
                GeminiSettings.fromEnvironment(Map.of("GEMINI_API_KEY", "gemini", "GOOGLE_API_KEY", "google"));
        assertThat(s.apiKey()).isEqualTo("google");
        assertThat(GeminiSettings.fromEnvironment(Map.of("GEMINI_API_KEY", "gemini"))
                        .apiKey())
                .isEqualTo("gemini");
    }

    @Test
    void shouldTakeTheBaseUrlFromTheEnvironmentAndDefaultToV1beta() {
        GeminiSettings s = GeminiSettings.fromEnvironment(
                Map.of("GEMINI_API_KEY", "k", "GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:8089"));
        assertThat(s.baseUrl()).isEqualTo("http://127.0.0.1:8089");
        assertThat(s.apiVersion()).isEqualTo("v1beta");
        assertThat(GeminiSettings.fromEnvironment(Map.of("GEMINI_API_KEY", "k")).baseUrl())
                .isEqualTo(GeminiSettings.DEFAULT_BASE_URL);
    }

    @Test
    void shouldStartFromTheDefaultsTheConfigKeysDeclare() {
        GeminiSettings declared = GeminiSettings.from(GenAiBatchConfig.defaults(), Map.of("GEMINI_API_KEY", "k"));

        assertThat(GeminiSettings.builder().apiKey("k").build())
                .usingRecursiveComparison()
                .isEqualTo(declared);
        assertThat(RetrySettings.DEFAULTS).isEqualTo(RetrySettings.from(GenAiBatchConfig.defaults()));
    }

    @Test
    void shouldNeverPrintTheApiKey() {
        GeminiSettings s = GeminiSettings.builder().apiKey("secret-key-123").build();
        assertThat(s.toString()).doesNotContain("secret-key-123").contains("<redacted>");
    }

    @Test
    void shouldRefuseAMissingKeyNamingTheVariables() {
        assertThatThrownBy(() -> GeminiSettings.fromEnvironment(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GOOGLE_API_KEY")
                .hasMessageContaining("GEMINI_API_KEY");
    }

    @Test
    void shouldRefuseBadValuesWithTheValueInTheMessage() {
        assertThatThrownBy(() ->
                        GeminiSettings.builder().apiKey("k").baseUrl("ftp://x").build())
                .hasMessageContaining("ftp://x");
        assertThatThrownBy(() ->
                        GeminiSettings.builder().apiKey("k").apiVersion("beta").build())
                .hasMessageContaining("'beta'");
        assertThatThrownBy(() -> GeminiSettings.builder()
                        .apiKey("k")
                        .uploadChunkBytes(1000)
                        .build())
                .hasMessageContaining("1000");
    }

    @Test
    void shouldRefusePlainHttpToAHostThatIsNotLoopbackNamingTheKeyAndValue() {
        for (String url : new String[] {
            "http://emulator:8089",
            "http://10.0.0.5:8089",
            "http://127.0.0.1.example.com",
            "http://generativelanguage.googleapis.com",
            "http://[fd00::2]:8089"
        }) {
            assertThatThrownBy(() ->
                            GeminiSettings.builder().apiKey("k").baseUrl(url).build())
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gemini.base-url")
                    .hasMessageContaining("'" + url + "'")
                    .hasMessageContaining("gemini.allow-insecure-http");
        }
        assertThatThrownBy(() -> GeminiSettings.from(
                        GenAiBatchConfig.of(Map.of("gemini.base-url", "http://emulator:8089")),
                        Map.of("GEMINI_API_KEY", "k")))
                .hasMessageContaining("http://emulator:8089");
    }

    @Test
    void shouldAcceptPlainHttpOnLoopbackAndHttpsAnywhere() {
        for (String url : new String[] {
            "http://127.0.0.1:8089",
            "http://127.1.2.3:8089",
            "http://localhost:8089",
            "http://LOCALHOST",
            "http://[::1]:8089",
            "https://emulator:8089",
            "https://generativelanguage.googleapis.com"
        }) {
            assertThat(GeminiSettings.builder().apiKey("k").baseUrl(url).build().baseUrl())
                    .as(url)
                    .isEqualTo(url);
        }
    }

    @Test
    void shouldAcceptPlainHttpToAnotherHostOnlyWhenAllowedExplicitly() {
        GeminiSettings s = GeminiSettings.from(
                GenAiBatchConfig.of(
                        Map.of("gemini.base-url", "http://emulator:8089", "gemini.allow-insecure-http", "true")),
                Map.of("GEMINI_API_KEY", "k"));
        assertThat(s.baseUrl()).isEqualTo("http://emulator:8089");
    }
}
