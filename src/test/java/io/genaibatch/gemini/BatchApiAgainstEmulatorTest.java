package io.genaibatch.gemini;

import static io.genaibatch.gemini.TestSupport.MAPPER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.emulator.JobOutcome;
import io.genaibatch.emulator.RecordedRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every BatchApi operation, through the real SDK and our own HTTP, against the in-process emulator. */
class BatchApiAgainstEmulatorTest {
    private static GeminiEmulator emulator;
    private static BatchApi api;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEmulator() throws IOException {
        emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .apiKey(TestSupport.API_KEY)
                .runningMillis(100)
                .embeddingDimension(8)
                .build());
        api = BatchApi.open(TestSupport.settings(emulator));
    }

    @AfterAll
    static void stopEmulator() {
        api.close();
        emulator.close();
    }

    @Test
    void shouldAnswerInlineBatchWithEchoOfLastContentMappedByKey() throws IOException {
        // Step 1: a spool of three requests, one of them multi-turn.
        Map<String, String> prompts = TestSupport.prompts("inline", 2);
        Path spool = TestSupport.generateSpool(dir, "inline.jsonl", prompts);
        Files.writeString(
                spool,
                "{\"key\":\"multi\",\"request\":{\"contents\":["
                        + "{\"role\":\"user\",\"parts\":[{\"text\":\"first turn\"}]},"
                        + "{\"role\":\"model\",\"parts\":[{\"text\":\"ok\"}]},"
                        + "{\"role\":\"user\",\"parts\":[{\"text\":\"last turn\"}]}],"
                        + "\"generationConfig\":{\"temperature\":0.2}}}\n",
                java.nio.file.StandardOpenOption.APPEND);

        // Step 2: create inline and wait.
        BatchJobInfo created = api.create("gemini-2.5-flash", "b-inline", BatchInput.inline(spool));
        assertThat(created.name()).startsWith("batches/");
        assertThat(created.displayName()).isEqualTo("b-inline");
        BatchJobInfo done = TestSupport.awaitDone(api, created.name());

        // Step 3: stats and output location from the raw JSON, results mapped by key.
        assertThat(done.state()).isEqualTo(BatchState.SUCCEEDED);
        assertThat(done.model()).isEqualTo("models/gemini-2.5-flash");
        assertThat(done.stats()).contains(new BatchStats(3, 3, 0, 0));
        assertThat(done.error()).isEmpty();
        assertThat(done.output().isInline()).isTrue();
        assertThat(done.output().inlineResponseCount()).isEqualTo(3);
        assertThat(done.createTime()).isPresent();
        assertThat(done.endTime()).isPresent();

        Map<String, String> answers = new HashMap<>();
        try (Stream<InlineResult> results = api.inlineResults(created.name())) {
            results.forEach(r -> {
                assertThat(r.error()).isEmpty();
                answers.put(r.key().orElseThrow(), TestSupport.text(r.response().orElseThrow()));
            });
        }
        assertThat(answers)
                .containsOnly(
                        Map.entry("inline-1", "echo: question inline number 1"),
                        Map.entry("inline-2", "echo: question inline number 2"),
                        Map.entry("multi", "echo: last turn"));
    }

    @Test
    void shouldRefuseInlineResultsOfAFileJob() throws IOException {
        Path input = TestSupport.generateSpool(dir, "in.jsonl", TestSupport.prompts("f", 1));
        FileInfo uploaded = api.uploadFile(input, "application/jsonl", "in");
        BatchJobInfo job = api.create("gemini-2.5-flash", "b-file-not-inline", BatchInput.file(uploaded.name()));
        TestSupport.awaitDone(api, job.name());

        try (Stream<InlineResult> results = api.inlineResults(job.name())) {
            assertThatThrownBy(results::count)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no inline responses")
                    .hasMessageContaining("files/");
        }
    }

    @Test
    void shouldRunGenerateBatchFromUploadedFileAndDownloadResponsesByKey() throws IOException {
        Map<String, String> prompts = TestSupport.prompts("file", 5);
        Path input = TestSupport.generateSpool(dir, "input.jsonl", prompts);
        FileInfo uploaded = api.uploadFile(input, "application/jsonl", "b-file input");
        assertThat(uploaded.name()).startsWith("files/");
        assertThat(uploaded.sizeBytes()).isEqualTo(Files.size(input));

        BatchJobInfo job = api.create("models/gemini-2.5-flash", "b-file", BatchInput.file(uploaded.name()));
        BatchJobInfo done = TestSupport.awaitDone(api, job.name());
        assertThat(done.state()).isEqualTo(BatchState.SUCCEEDED);
        assertThat(done.stats()).contains(new BatchStats(5, 5, 0, 0));
        assertThat(done.output().responsesFile()).isPresent();

        Path out = dir.resolve("responses.jsonl");
        long bytes = api.downloadFile(done.output().responsesFile().orElseThrow(), out);
        assertThat(bytes).isEqualTo(Files.size(out)).isPositive();
        assertThat(dir.resolve("responses.jsonl.part")).doesNotExist();
        Map<String, String> answers = readLines(out).stream()
                .collect(Collectors.toMap(l -> l.path("key").asText(), l -> TestSupport.text(l.path("response"))));
        assertThat(answers).hasSize(5);
        prompts.forEach((key, prompt) -> assertThat(answers).containsEntry(key, "echo: " + prompt));
    }

    @Test
    void shouldResumeADownloadCutMidwayWithARangeRequestInsteadOfStartingOver() throws IOException {
        // Step 1: a 300 kB file at the API
        byte[] content = new byte[300_000];
        new java.util.Random(7).nextBytes(content);
        Path input = dir.resolve("blob.bin");
        Files.write(input, content);
        FileInfo stored = api.uploadFile(input, "application/octet-stream", "blob");

        // Step 2: the link drops after 120,000 bytes: the call fails (this client does not retry), the bytes stay
        emulator.cutNextDownload(120_000);
        long servedBefore = emulator.bytesDownloaded();
        Path out = dir.resolve("blob.out");
        assertThatThrownBy(() -> api.downloadFile(stored.name(), out)).isInstanceOf(GeminiApiException.class);
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("blob.out.part")).hasSize(120_000);

        // Step 3: the next call asks only for the rest: 300,000 bytes served in all, not 420,000
        assertThat(api.downloadFile(stored.name(), out)).isEqualTo(300_000);
        assertThat(Files.readAllBytes(out)).isEqualTo(content);
        assertThat(dir.resolve("blob.out.part")).doesNotExist();
        // Started over, it would serve 120,000 + 300,000; the counter of the cut answer may lag its last chunk
        assertThat(emulator.bytesDownloaded() - servedBefore)
                .as("bytes the emulator served")
                .isBetween(180_000L, 300_000L);
    }

    @Test
    void shouldDownloadTheWholeFileWhenTheBytesKeptAreNotItsPrefix() throws IOException {
        // A part longer than the file (left by another file under the same name): 416, then the whole file
        Path input = dir.resolve("small.bin");
        Files.write(input, new byte[] {1, 2, 3, 4, 5});
        FileInfo stored = api.uploadFile(input, "application/octet-stream", "small");
        Path out = dir.resolve("small.out");
        Files.write(dir.resolve("small.out.part"), new byte[10]);

        assertThat(api.downloadFile(stored.name(), out)).isEqualTo(5);
        assertThat(Files.readAllBytes(out)).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void shouldRunEmbeddingsBatchFromFileWithVectors() throws IOException {
        Path input = dir.resolve("embed.jsonl");
        Files.writeString(
                input,
                "{\"key\":\"e-1\",\"request\":{\"content\":{\"parts\":[{\"text\":\"alpha\"}]}}}\n"
                        + "{\"key\":\"e-2\",\"request\":{\"content\":{\"parts\":[{\"text\":\"beta\"}]},"
                        + "\"outputDimensionality\":4}}\n");
        FileInfo uploaded = api.uploadFile(input, "jsonl", "embed input");

        BatchJobInfo job = api.createEmbeddings("text-embedding-004", "b-embed", BatchInput.file(uploaded.name()));
        BatchJobInfo done = TestSupport.awaitDone(api, job.name());
        assertThat(done.state()).isEqualTo(BatchState.SUCCEEDED);

        Path out = dir.resolve("vectors.jsonl");
        api.downloadFile(done.output().responsesFile().orElseThrow(), out);
        Map<String, JsonNode> vectors = readLines(out).stream()
                .collect(Collectors.toMap(
                        l -> l.path("key").asText(),
                        l -> l.path("response").path("embedding").path("values")));
        assertThat(vectors.get("e-1")).hasSize(8);
        assertThat(vectors.get("e-2")).hasSize(4);
        assertThat(vectors.get("e-1").get(0).isNumber()).isTrue();
        assertThat(vectors.get("e-1")).isNotEqualTo(vectors.get("e-2"));
    }

    @Test
    void shouldRefuseInlineEmbeddingsBeforeCallingTheApi() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "e.jsonl", TestSupport.prompts("e", 1));
        long before = emulator.requestCount();
        assertThatThrownBy(() -> api.createEmbeddings("text-embedding-004", "b-embed-inline", BatchInput.inline(spool)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no key");
        assertThat(emulator.requestCount()).isEqualTo(before);
        assertThat(emulator.jobsCreatedFor("b-embed-inline")).isZero();
    }

    @Test
    void shouldListEveryJobAcrossPages() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "l.jsonl", TestSupport.prompts("l", 1));
        Set<String> created = new java.util.HashSet<>();
        for (int i = 0; i < 5; i++) {
            created.add(api.create("gemini-2.5-flash", "b-list-" + i, BatchInput.inline(spool))
                    .name());
        }
        emulator.clearRequestLog();

        List<BatchJobInfo> listed;
        try (Stream<BatchJobInfo> jobs = api.list(2)) {
            listed = jobs.toList();
        }

        assertThat(listed).extracting(BatchJobInfo::name).containsAll(created).doesNotHaveDuplicates();
        assertThat(listed)
                .filteredOn(j -> created.contains(j.name()))
                .allSatisfy(j -> assertThat(j.displayName()).startsWith("b-list-"));
        List<RecordedRequest> pages = emulator.recordedRequests().stream()
                .filter(r -> r.path().endsWith("/batches"))
                .toList();
        assertThat(pages)
                .hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(r -> assertThat(r.query()).contains("pageSize=2"));
    }

    @Test
    void shouldCancelARunningJob() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "c.jsonl", TestSupport.prompts("c", 1));
        emulator.scriptNextJobs(1, JobOutcome.STUCK);
        BatchJobInfo job = api.create("gemini-2.5-flash", "b-cancel", BatchInput.inline(spool));

        api.cancel(job.name());

        BatchJobInfo after = api.get(job.name());
        assertThat(after.state()).isEqualTo(BatchState.CANCELLED);
        assertThat(after.isDone()).isTrue();
    }

    @Test
    void shouldThrowNotFoundWhenCancellingAnUnknownJob() {
        assertThatThrownBy(() -> api.cancel("batches/no-such-job"))
                .isInstanceOfSatisfying(GeminiApiException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.status()).isEqualTo("NOT_FOUND");
                    assertThat(e.isRetriable()).isFalse();
                    assertThat(e.getMessage()).contains("batches/no-such-job");
                });
    }

    @Test
    void shouldDeleteAJobSoThatGetNoLongerFindsIt() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "d.jsonl", TestSupport.prompts("d", 1));
        BatchJobInfo job = api.create("gemini-2.5-flash", "b-delete", BatchInput.inline(spool));
        TestSupport.awaitDone(api, job.name());

        api.delete(job.name());

        assertThatThrownBy(() -> api.get(job.name()))
                .isInstanceOfSatisfying(
                        GeminiApiException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(404));
        assertThatThrownBy(() -> api.delete(job.name()))
                .isInstanceOfSatisfying(
                        GeminiApiException.class, e -> assertThat(e.status()).isEqualTo("NOT_FOUND"));
    }

    @Test
    void shouldReportTheErrorOfAFailedJob() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "x.jsonl", TestSupport.prompts("x", 2));
        emulator.scriptNextJobs(1, JobOutcome.STUCK);
        BatchJobInfo job = api.create("gemini-2.5-flash", "b-failed", BatchInput.inline(spool));

        emulator.failNow(job.name(), 500, "quota of the backend exceeded");

        BatchJobInfo failed = api.get(job.name());
        assertThat(failed.state()).isEqualTo(BatchState.FAILED);
        assertThat(failed.error()).hasValueSatisfying(e -> {
            assertThat(e.code()).isEqualTo(500);
            assertThat(e.message()).isEqualTo("quota of the backend exceeded");
        });
    }

    @Test
    void shouldGetAndDeleteAnUploadedFile() throws IOException {
        Path input = TestSupport.generateSpool(dir, "g.jsonl", TestSupport.prompts("g", 3));
        FileInfo uploaded = api.uploadFile(input, "application/jsonl", "for get");

        FileInfo got = api.getFile(uploaded.name());
        assertThat(got.name()).isEqualTo(uploaded.name());
        assertThat(got.displayName()).isEqualTo("for get");
        assertThat(got.sizeBytes()).isEqualTo(Files.size(input));
        assertThat(got.sha256Hash()).contains(TestSupport.sha256Base64(input));

        api.deleteFile(uploaded.name());
        assertThatThrownBy(() -> api.getFile(uploaded.name())).isInstanceOfSatisfying(GeminiApiException.class, e -> {
            assertThat(e.httpStatus())
                    .as("the Files API's answer for a file that is not there")
                    .isEqualTo(403);
            assertThat(e.isApiNotFound())
                    .as("taken as the file not being there")
                    .isTrue();
            assertThat(e.isApiKeyRejected()).isFalse();
        });
    }

    private static List<JsonNode> readLines(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return in.lines()
                    .filter(l -> !l.isBlank())
                    .map(l -> {
                        try {
                            return MAPPER.readTree(l);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
    }
}
