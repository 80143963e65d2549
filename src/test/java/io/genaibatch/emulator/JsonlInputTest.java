package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.JobState;
import com.google.genai.types.UploadFileConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JSONL input with bad lines: each bad line gets its own error line, and the job still succeeds. */
class JsonlInputTest {
    @TempDir
    Path tmp;

    @Test
    void shouldAnswerErrorLinesForInvalidJsonMissingKeyAndDuplicateKey() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(
                        EmulatorOptions.builder().runningMillis(10).build());
                Client client = Sdk.client(emulator)) {
            // Step 1: a file with two good lines, four bad ones and a blank line.
            String content = FileJobTest.genLine("k-1", "good one")
                    + "{not json at all\n"
                    + "{\"request\":{\"contents\":[{\"parts\":[{\"text\":\"no key\"}]}]}}\n"
                    + FileJobTest.genLine("k-1", "duplicate of k-1")
                    + "\n"
                    + FileJobTest.genLine("k-2", "good two")
                    + "{\"key\":\"k-3\",\"request\":{}}\n";
            Path p = tmp.resolve("bad.jsonl");
            Files.writeString(p, content, StandardCharsets.UTF_8);
            String input = client.files
                    .upload(
                            p.toString(),
                            UploadFileConfig.builder()
                                    .mimeType("application/jsonl")
                                    .build())
                    .name()
                    .orElseThrow();

            // Step 2: run it.
            BatchJob job = client.batches.create(
                    "gemini-2.5-flash", BatchJobSource.builder().fileName(input).build(), null);
            BatchJob done = Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);

            // Step 3: one output line per non-blank input line; errors say which line and why.
            Path out = tmp.resolve("out.jsonl");
            client.files.download(done.dest().orElseThrow().fileName().orElseThrow(), out.toString(), null);
            List<JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(out)) {
                lines.add(Sdk.json(line));
            }
            assertThat(lines).hasSize(6);
            assertThat(lines.get(0).path("key").asText()).isEqualTo("k-1");
            assertThat(lines.get(0)
                            .at("/response/candidates/0/content/parts/0/text")
                            .asText())
                    .isEqualTo("echo: good one");
            assertThat(lines.get(1).has("key")).isFalse();
            assertThat(lines.get(1).at("/error/code").asInt()).isEqualTo(400);
            assertThat(lines.get(1).at("/error/message").asText())
                    .contains("Line 2")
                    .contains("not valid JSON");
            assertThat(lines.get(2).has("key")).isFalse();
            assertThat(lines.get(2).at("/error/message").asText())
                    .contains("Line 3")
                    .contains("no \"key\"");
            assertThat(lines.get(3).path("key").asText()).isEqualTo("k-1");
            assertThat(lines.get(3).at("/error/message").asText())
                    .contains("Line 4")
                    .contains("repeats key 'k-1'");
            assertThat(lines.get(4)
                            .at("/response/candidates/0/content/parts/0/text")
                            .asText())
                    .isEqualTo("echo: good two");
            assertThat(lines.get(5).path("key").asText()).isEqualTo("k-3");
            assertThat(lines.get(5).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");

            JsonNode stats = Sdk.json(Sdk.get(emulator, "/v1beta/" + done.name().orElseThrow())
                            .body())
                    .at("/metadata/batchStats");
            assertThat(stats.path("requestCount").asText()).isEqualTo("6");
            assertThat(stats.path("successfulRequestCount").asText()).isEqualTo("2");
            assertThat(stats.path("failedRequestCount").asText()).isEqualTo("4");
        }
    }

    @Test
    void shouldStreamLargeFileJobWithManyKeys() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(
                        EmulatorOptions.builder().runningMillis(0).build());
                Client client = Sdk.client(emulator)) {
            int n = 50_000;
            Path p = tmp.resolve("many.jsonl");
            try (var w = Files.newBufferedWriter(p)) {
                for (int i = 0; i < n; i++) {
                    w.write(FileJobTest.genLine("k-" + i, "line number " + i));
                }
            }
            String input = client.files
                    .upload(
                            p.toString(),
                            UploadFileConfig.builder().mimeType("jsonl").build())
                    .name()
                    .orElseThrow();
            BatchJob job = client.batches.create(
                    "gemini-2.5-flash", BatchJobSource.builder().fileName(input).build(), null);
            BatchJob done = Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);

            // Download with our own streaming GET, as production code must for big files.
            var response = Sdk.HTTP.send(
                    Sdk.request(
                                    emulator,
                                    "/v1beta/"
                                            + done.dest()
                                                    .orElseThrow()
                                                    .fileName()
                                                    .orElseThrow() + ":download?alt=media")
                            .GET()
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofLines());
            long[] count = {0};
            boolean[] lastSeen = {false};
            response.body().forEach(line -> {
                count[0]++;
                if (line.contains("\"k-" + (n - 1) + "\"") && line.contains("echo: line number " + (n - 1))) {
                    lastSeen[0] = true;
                }
            });
            assertThat(count[0]).isEqualTo(n);
            assertThat(lastSeen[0]).isTrue();
        }
    }
}
