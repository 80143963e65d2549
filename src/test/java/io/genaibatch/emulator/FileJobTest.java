package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.CreateEmbeddingsBatchJobConfig;
import com.google.genai.types.EmbeddingsBatchJobSource;
import com.google.genai.types.File;
import com.google.genai.types.JobState;
import com.google.genai.types.UploadFileConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSONL file jobs through the real SDK: upload, create, poll, download the responses file. */
class FileJobTest {
    private static GeminiEmulator emulator;
    private static Client client;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .runningMillis(50)
                .embeddingDimension(16)
                .build());
        client = Sdk.client(emulator);
    }

    @AfterAll
    static void stop() {
        client.close();
        emulator.close();
    }

    static File upload(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return client.files.upload(
                p.toString(),
                UploadFileConfig.builder().mimeType("jsonl").displayName(name).build());
    }

    static Map<String, JsonNode> download(String fileName) throws IOException {
        Path out = tmp.resolve(fileName.replace('/', '_') + ".jsonl");
        client.files.download(fileName, out.toString(), null);
        Map<String, JsonNode> byKey = new HashMap<>();
        int anonymous = 0;
        for (String line : Files.readAllLines(out)) {
            JsonNode n = Sdk.json(line);
            byKey.put(n.has("key") ? n.get("key").asText() : "?" + anonymous++, n);
        }
        return byKey;
    }

    static String genLine(String key, String text) {
        return "{\"key\":\"" + key + "\",\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + text
                + "\"}]}]}}\n";
    }

    @Test
    void shouldAnswerFileJobWithDownloadableResponsesFile() throws Exception {
        File input = upload("in-1.jsonl", genLine("k-1", "alpha beta") + genLine("k-2", "gamma"));
        assertThat(input.name()).hasValueSatisfying(n -> assertThat(n).startsWith("files/"));
        assertThat(input.sizeBytes()).contains(Files.size(tmp.resolve("in-1.jsonl")));

        BatchJob job = client.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder().fileName(input.name().orElseThrow()).build(),
                CreateBatchJobConfig.builder().displayName("b-file").build());
        BatchJob done = Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);

        String responses = done.dest().orElseThrow().fileName().orElseThrow();
        // As the service names outputs: files/batch-<36-character batch id>, past files.get's 40-character limit.
        assertThat(responses)
                .isEqualTo("files/batch-" + job.name().orElseThrow().substring("batches/".length()));
        assertThat(responses.length() - "files/".length()).isGreaterThan(FileHandler.MAX_FILE_ID);
        Map<String, JsonNode> byKey = download(responses);
        assertThat(byKey).containsOnlyKeys("k-1", "k-2");
        assertThat(byKey.get("k-1")
                        .at("/response/candidates/0/content/parts/0/text")
                        .asText())
                .isEqualTo("echo: alpha beta");
        assertThat(byKey.get("k-1")
                        .at("/response/usageMetadata/promptTokenCount")
                        .asInt())
                .isEqualTo(2);
        assertThat(byKey.get("k-2").at("/response/candidates/0/finishReason").asText())
                .isEqualTo("STOP");
    }

    @Test
    void shouldRefuseGetAndDeleteOfOutputFileOverFortyCharactersButDownloadIt() throws Exception {
        File input = upload("in-long.jsonl", genLine("k-1", "x"));
        BatchJob job = client.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder().fileName(input.name().orElseThrow()).build(),
                null);
        String responses = Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED)
                .dest()
                .orElseThrow()
                .fileName()
                .orElseThrow();

        var get = Sdk.get(emulator, "/v1beta/" + responses);
        assertThat(get.statusCode()).isEqualTo(400);
        assertThat(Sdk.json(get.body()).at("/error/message").asText())
                .contains("File ID (name excluding 'files/') cannot be more than 40 characters");
        assertThat(Sdk.json(get.body()).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");
        var sdkGet = org.junit.jupiter.api.Assertions.assertThrows(
                com.google.genai.errors.ClientException.class, () -> client.files.get(responses, null));
        assertThat(sdkGet.code()).isEqualTo(400);
        var delete = Sdk.HTTP.send(
                Sdk.request(emulator, "/v1beta/" + responses).DELETE().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(400);
        // Listed like any file, and its bytes come through :download.
        assertThat(client.files
                        .list(com.google.genai.types.ListFilesConfig.builder()
                                .pageSize(100)
                                .build())
                        .page())
                .extracting(f -> f.name().orElseThrow())
                .contains(responses);
        assertThat(download(responses)).containsOnlyKeys("k-1");
    }

    @Test
    void shouldEmbedFileJobWithDeterministicUnitVectors() throws Exception {
        String line1 = "{\"key\":\"e-1\",\"request\":{\"content\":{\"parts\":[{\"text\":\"same text\"}]}}}\n";
        String line2 = "{\"key\":\"e-2\",\"request\":{\"content\":{\"parts\":[{\"text\":\"same text\"}]},"
                + "\"outputDimensionality\":8}}\n";
        String line3 = "{\"key\":\"e-3\",\"request\":{\"content\":{\"parts\":[{\"text\":\"other text\"}]}}}\n";
        File input = upload("emb.jsonl", line1 + line2 + line3);

        BatchJob job = client.batches.createEmbeddings(
                "gemini-embedding-001",
                EmbeddingsBatchJobSource.builder()
                        .fileName(input.name().orElseThrow())
                        .build(),
                CreateEmbeddingsBatchJobConfig.builder().displayName("b-emb").build());
        BatchJob done = Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);

        Map<String, JsonNode> byKey =
                download(done.dest().orElseThrow().fileName().orElseThrow());
        List<Double> v1 = values(byKey.get("e-1"));
        List<Double> v3 = values(byKey.get("e-3"));
        assertThat(v1).hasSize(16);
        assertThat(values(byKey.get("e-2"))).hasSize(8);
        assertThat(v3).hasSize(16).isNotEqualTo(v1);
        assertThat(v1.stream().mapToDouble(d -> d * d).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(v1).isEqualTo(values(byKey.get("e-1")));
        assertThat(AnswerGenerator.vector("same text", 16)[0])
                .isEqualTo(v1.get(0).floatValue());
    }

    private static List<Double> values(JsonNode line) {
        List<Double> out = new java.util.ArrayList<>();
        line.at("/response/embedding/values").forEach(v -> out.add(v.asDouble()));
        return out;
    }
}
