package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class GeminiSettingsTest {

    @Test
    void shouldPreferGoogleApiKeyWhenBothAreSetAsTheSdkDoes() {
        GeminiSettings s = GeminiSettings.fromEnvironment(Map.of("GEMINI_API_KEY", "gemini", "GOOGLE_API_KEY", "google"));
        assertThat(s.apiKey()).isEqualTo("google");
        assertThat(GeminiSettings.fromEnvironment(Map.of("GEMINI_API_KEY", "gemini")).apiKey()).isEqualTo("gemini");
    }

    @Test
    void shouldTakeTheBaseUrlFromTheEnvironmentAndDefaultToV1beta() {
        GeminiSettings s = GeminiSettings.fromEnvironment(Map.of("GEMINI_API_KEY", "k",
                "GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:8089"));
        assertThat(s.baseUrl()).isEqualTo("http://127.0.0.1:8089");
        assertThat(s.apiVersion()).isEqualTo("v1beta");
        assertThat(GeminiSettings.fromEnvironment(Map.of("GEMINI_API_KEY", "k")).baseUrl())
                .isEqualTo(GeminiSettings.DEFAULT_BASE_URL);
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
                .hasMessageContaining("GOOGLE_API_KEY").hasMessageContaining("GEMINI_API_KEY");
    }

    @Test
    void shouldRefuseBadValuesWithTheValueInTheMessage() {
        assertThatThrownBy(() -> GeminiSettings.builder().apiKey("k").baseUrl("ftp://x").build())
                .hasMessageContaining("ftp://x");
        assertThatThrownBy(() -> GeminiSettings.builder().apiKey("k").apiVersion("beta").build())
                .hasMessageContaining("'beta'");
        assertThatThrownBy(() -> GeminiSettings.builder().apiKey("k").uploadChunkBytes(1000).build())
                .hasMessageContaining("1000");
    }
}
