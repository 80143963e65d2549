package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.genai.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state records on disk: atomic replacement, and what a crash mid-write or a damaged record leaves behind. */
class StateDirTest {
    @TempDir
    Path tmp;

    @Test
    void shouldReplaceRecordWholeAndLeaveNoTempFile() throws Exception {
        StateDir dir = StateDir.open(tmp);
        Path record = dir.jobRecord("a");
        StateDir.write(record, Json.object().put("v", 1));
        StateDir.write(record, Json.object().put("v", 2));
        assertThat(Sdk.json(Files.readString(record)).path("v").asInt()).isEqualTo(2);
        try (var files = Files.list(record.getParent())) {
            assertThat(files).containsExactly(record);
        }
        assertThat(dir.relative(tmp.resolve("files").resolve("x"))).isEqualTo("files/x");
        assertThat(dir.resolve("files/x")).isEqualTo(tmp.resolve("files").resolve("x"));
        assertThat(dir.relative(null)).isNull();
    }

    @Test
    void shouldSkipDamagedRecordsAndRemoveTempFilesOfACrashAtStart() throws Exception {
        try (GeminiEmulator first = GeminiEmulator.start(
                        EmulatorOptions.builder().dataDir(tmp).runningMillis(10).build());
                Client client = Sdk.client(first)) {
            Sdk.awaitRawDone(
                    first,
                    Sdk.json(Sdk.post(
                                            first,
                                            "/v1beta/models/gemini-2.5-flash:batchGenerateContent",
                                            "{\"batch\":{\"displayName\":\"kept\",\"inputConfig\":{\"requests\":{\"requests\":[{\"request\":"
                                                    + "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]}}]}}}}")
                                    .body())
                            .path("name")
                            .asText());
        }
        Path jobs = tmp.resolve("state").resolve("jobs");
        Files.writeString(jobs.resolve("broken.json"), "{\"seq\": 9, \"id\": ");
        Files.writeString(jobs.resolve("half.json12345.tmp"), "{");
        try (GeminiEmulator second =
                GeminiEmulator.start(EmulatorOptions.builder().dataDir(tmp).build())) {
            assertThat(second.jobsCreatedFor("kept")).isEqualTo(1);
            assertThat(Sdk.json(Sdk.get(second, "/v1beta/batches").body()).path("operations"))
                    .hasSize(1);
            assertThat(jobs.resolve("half.json12345.tmp")).doesNotExist();
        }
    }
}
