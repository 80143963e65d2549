package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /admin endpoints, for users of SDKs that have no Java handle; and where the emulator keeps its bytes. */
class AdminEndpointTest {
    @TempDir
    Path tmp;

    private static final String INLINE_BODY = "{\"batch\":{\"displayName\":\"adm\",\"inputConfig\":{\"requests\":"
            + "{\"requests\":[{\"request\":{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}}]}}}}";

    @Test
    void shouldScriptFaultsAndForceStatesOverHttp() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .apiKey(Sdk.API_KEY)
                .pendingMillis(60_000)
                .build())) {
            assertThat(Sdk.post(emulator, "/admin/fail-next?count=2&status=429&path=/batches", "")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(Sdk.get(emulator, "/v1beta/files").statusCode()).isEqualTo(200);
            assertThat(Sdk.get(emulator, "/v1beta/batches").statusCode()).isEqualTo(429);
            assertThat(Sdk.post(emulator, "/admin/clear-faults", "").statusCode())
                    .isEqualTo(200);
            assertThat(Sdk.get(emulator, "/v1beta/batches").statusCode()).isEqualTo(200);

            String name = Sdk.json(
                            Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", INLINE_BODY)
                                    .body())
                    .path("name")
                    .asText();
            String id = name.substring("batches/".length());
            assertThat(Sdk.post(emulator, "/admin/batches/" + id + ":finish", "")
                            .statusCode())
                    .isEqualTo(200);
            JsonNode op = Sdk.json(Sdk.get(emulator, "/v1beta/" + name).body());
            assertThat(op.at("/metadata/state").asText()).isEqualTo("BATCH_STATE_SUCCEEDED");
            assertThat(op.at("/response/inlinedResponses/inlinedResponses/0/response/candidates/0/content/parts/0/text")
                            .asText())
                    .isEqualTo("echo: hi");

            assertThat(Sdk.post(emulator, "/admin/batches/nope:finish", "").statusCode())
                    .isEqualTo(404);
            assertThat(Sdk.get(emulator, "/admin/nothing-here").statusCode()).isEqualTo(404);
            assertThat(Sdk.json(Sdk.get(emulator, "/admin/jobs-by-display-name").body())
                            .path("adm")
                            .asInt())
                    .isEqualTo(1);
            assertThat(Sdk.json(Sdk.get(emulator, "/admin/stats").body())
                            .path("faultsInjected")
                            .path("http429")
                            .asInt())
                    .as("the scripted 429 served")
                    .isEqualTo(1);
        }
    }

    @Test
    void shouldKeepGivenDataDirAndDeleteOwnTempDir() throws Exception {
        Path given = tmp.resolve("data");
        Path own;
        try (GeminiEmulator withDir = GeminiEmulator.start(
                        EmulatorOptions.builder().dataDir(given).build());
                GeminiEmulator withTemp = GeminiEmulator.start(EmulatorOptions.defaults())) {
            own = withTemp.dataDir();
            assertThat(withDir.dataDir()).isEqualTo(given);
            assertThat(own).isDirectory();
        }
        assertThat(given.resolve("files")).isDirectory();
        assertThat(Files.exists(own)).isFalse();
    }
}
