package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.emulator.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our resumable upload: the sizes that break the SDK's, and a connection cut in the middle of a chunk. */
class ResumableUploadTest {
    private static final int MIB = 1024 * 1024;
    private static GeminiEmulator emulator;
    private static BatchApi api;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEmulator() throws IOException {
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().apiKey(TestSupport.API_KEY).build());
        api = BatchApi.open(TestSupport.settings(emulator));
    }

    @AfterAll
    static void stopEmulator() {
        api.close();
        emulator.close();
    }

    @BeforeEach
    void clearLog() {
        emulator.clearRequestLog();
    }

    @Test
    void shouldUploadExactly16MiBInTwoChunksWhereTheSdkCrashes() throws IOException {
        Path file = TestSupport.patternFile(dir, "16mib.bin", 16L * MIB);

        FileInfo uploaded = api.uploadFile(file, "application/jsonl", "sixteen");

        assertStoredExactly(uploaded, file);
        assertThat(uploadCommands()).containsExactly("start", "upload", "upload, finalize");
    }

    @Test
    void shouldUploadOneByteMoreThanAChunkInTwoChunks() throws IOException {
        Path file = TestSupport.patternFile(dir, "8mib+1.bin", 8L * MIB + 1);

        FileInfo uploaded = api.uploadFile(file, "application/jsonl", "eight-plus-one");

        assertStoredExactly(uploaded, file);
        List<RecordedRequest> chunks = emulator.recordedRequests().stream()
                .filter(r -> r.query().contains("upload_id"))
                .toList();
        assertThat(chunks).extracting(RecordedRequest::bodySize).containsExactly(8L * MIB, 1L);
        assertThat(chunks).extracting(r -> r.header("x-goog-upload-offset")).containsExactly("0", "8388608");
    }

    @Test
    void shouldUploadAnEmptyFileWithOneEmptyFinalChunk() throws IOException {
        Path file = Files.createFile(dir.resolve("empty.jsonl"));

        FileInfo uploaded = api.uploadFile(file, "application/jsonl", "empty");

        assertThat(uploaded.sizeBytes()).isZero();
        assertThat(uploadCommands()).containsExactly("start", "upload, finalize");
    }

    @Test
    void shouldResumeWithQueryAfterTheConnectionIsCutMidChunk() throws IOException {
        Path file = TestSupport.patternFile(dir, "20mib.bin", 20L * MIB);
        // Cut 12 MiB into the stream: in the middle of the second chunk.
        try (CuttingProxy proxy = new CuttingProxy(emulator.port(), 12L * MIB);
                BatchApi viaProxy = BatchApi.open(TestSupport.settings(emulator).toBuilder()
                        .baseUrl("http://127.0.0.1:" + proxy.port())
                        .retry(new RetrySettings(
                                3,
                                Duration.ofMillis(10),
                                Duration.ofMillis(50),
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(30)))
                        .build())) {

            FileInfo uploaded = viaProxy.uploadFile(file, "application/jsonl", "cut");

            assertThat(proxy.hasCut()).isTrue();
            assertStoredExactly(uploaded, file);
        }
        List<RecordedRequest> requests = emulator.recordedRequests();
        assertThat(requests)
                .anySatisfy(r -> assertThat(r.header("x-goog-upload-command")).isEqualTo("query"));
        // The upload went on from where the server said, in the middle of the cut chunk: only a query can
        // have told us that offset. (The log orders requests by completion: the cut chunk may come after.)
        assertThat(requests)
                .filteredOn(r -> r.header("x-goog-upload-offset") != null)
                .anySatisfy(r -> assertThat(Long.parseLong(r.header("x-goog-upload-offset")))
                        .isGreaterThan(8L * MIB)
                        .isLessThanOrEqualTo(12L * MIB));
    }

    @Test
    void shouldTakeTheServersCountWhenAChunkIsRefusedForAWrongOffset() throws IOException {
        // A stub that keeps the first chunk but answers it 400, as when an interrupted chunk's bytes land
        // after a query has answered: the client must query and go on from the server's count.
        Path file = TestSupport.patternFile(dir, "600k.bin", 600 * 1024);
        UploadStub stub = UploadStub.start((command, offset, bodyBytes, received, request) -> {
            if (offset != received) {
                return new UploadStub.Answer(400, 0);
            }
            // The first chunk's bytes are kept but its answer is a 400.
            return request == 2 ? new UploadStub.Answer(400, bodyBytes) : UploadStub.Answer.ok(bodyBytes);
        });
        try (stub;
                BatchApi api = BatchApi.open(GeminiSettings.builder()
                        .apiKey("k")
                        .baseUrl(stub.baseUrl())
                        .uploadChunkBytes(256 * 1024)
                        .retry(RetrySettings.NO_RETRY)
                        .build())) {

            FileInfo uploaded = api.uploadFile(file, "application/jsonl", "stub");

            assertThat(uploaded.name()).isEqualTo("files/stub");
            assertThat(uploaded.sizeBytes()).isEqualTo(600 * 1024);
        }
        assertThat(stub.seen).containsExactly("start", "upload@0", "query", "upload@262144", "upload, finalize@524288");
    }

    @Test
    void shouldGoOnFromTheServersCountWhenTheCircuitOpensUnderAnUpload() throws IOException {
        // The second chunk is answered 503 twice: with a threshold of 2 the process-wide circuit opens and refuses
        // the third attempt. The upload must wait the short open time out and resume with a query, not give up and
        // leave the next try to upload the whole file again.
        Path file = TestSupport.patternFile(dir, "600k.bin", 600 * 1024);
        int[] unavailable = {2};
        UploadStub stub = UploadStub.start((command, offset, bodyBytes, received, request) ->
                received > 0 && unavailable[0]-- > 0 ? new UploadStub.Answer(503, 0) : UploadStub.Answer.ok(bodyBytes));
        GeminiSettings settings = GeminiSettings.builder()
                .apiKey("k")
                .baseUrl(stub.baseUrl())
                .uploadChunkBytes(256 * 1024)
                .retry(new RetrySettings(
                        3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(30), Duration.ofSeconds(30)))
                .build();
        ApiCircuit circuit = new ApiCircuit(
                new CircuitSettings(2, Duration.ofMillis(300)),
                java.time.Clock.systemUTC(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        try (stub;
                BatchApi api = BatchApi.open(settings, RetryPolicy.of(settings.retry(), circuit))) {

            FileInfo uploaded = api.uploadFile(file, "application/jsonl", "stub");

            assertThat(uploaded.sizeBytes()).isEqualTo(600 * 1024);
        }
        // One session throughout (one start), never the first chunk again: each try after a failure asks first.
        assertThat(stub.seen)
                .containsExactly(
                        "start",
                        "upload@0",
                        "upload@262144",
                        "query",
                        "upload@262144",
                        "query",
                        "upload@262144",
                        "upload, finalize@524288");
    }

    private static void assertStoredExactly(FileInfo uploaded, Path file) throws IOException {
        assertThat(uploaded.sizeBytes()).isEqualTo(Files.size(file));
        FileInfo stored = api.getFile(uploaded.name());
        assertThat(stored.sizeBytes()).isEqualTo(Files.size(file));
        assertThat(stored.sha256Hash()).contains(TestSupport.sha256Base64(file));
    }

    private static List<String> uploadCommands() {
        return emulator.recordedRequests().stream()
                .filter(r -> r.path().startsWith("/upload/"))
                .map(r -> r.header("x-goog-upload-command"))
                .toList();
    }
}
