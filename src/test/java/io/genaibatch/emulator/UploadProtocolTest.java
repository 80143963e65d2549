package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.types.File;
import com.google.genai.types.ListFilesConfig;
import com.google.genai.types.UploadFileConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resumable upload protocol spoken byte by byte with java.net.http (the SDK's own upload breaks on exact
 * multiples of 8 MiB and short reads), plus the Files API calls through the SDK.
 */
class UploadProtocolTest {
    private static final int CHUNK = 8 * 1024 * 1024;
    private static GeminiEmulator emulator;
    private static Client client;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().apiKey(Sdk.API_KEY).build());
        client = Sdk.noRetryClient(emulator);
    }

    @AfterAll
    static void stop() {
        client.close();
        emulator.close();
    }

    static HttpResponse<String> startUpload(long declaredSize, String mime) throws Exception {
        return Sdk.HTTP.send(
                Sdk.request(emulator, "/upload/v1beta/files")
                        .header("X-Goog-Upload-Protocol", "resumable")
                        .header("X-Goog-Upload-Command", "start")
                        .header("X-Goog-Upload-Header-Content-Length", Long.toString(declaredSize))
                        .header("X-Goog-Upload-Header-Content-Type", mime)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"file\":{\"displayName\":\"raw\",\"mimeType\":\"" + mime + "\"}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String uploadUrl(long declaredSize) throws Exception {
        return startUpload(declaredSize, "application/jsonl")
                .headers()
                .firstValue("X-Goog-Upload-URL")
                .orElseThrow();
    }

    static HttpResponse<String> send(String url, String command, long offset, byte[] bytes, int from, int to)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .header("X-Goog-Upload-Command", command)
                .header("Content-Type", "application/json") // as the JS SDK sends chunks: must be ignored
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes, from, to - from));
        if (offset >= 0) {
            b.header("X-Goog-Upload-Offset", Long.toString(offset));
        }
        return Sdk.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> query(String url) throws Exception {
        return Sdk.HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("X-Goog-Upload-Command", "query")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String status(HttpResponse<?> r) {
        return r.headers().firstValue("X-Goog-Upload-Status").orElse("(missing)");
    }

    static byte[] bytes(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    @Test
    void shouldAnswerAbsoluteUploadUrlOnOwnHostAndPort() throws Exception {
        HttpResponse<String> r = startUpload(10, "jsonl");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(status(r)).isEqualTo("active");
        assertThat(r.headers().firstValue("X-Goog-Upload-URL").orElseThrow())
                .startsWith(emulator.baseUrl() + "/upload/v1beta/files?upload_id=");
    }

    @Test
    void shouldAssembleChunksResumeAfterQueryAndFinalize() throws Exception {
        byte[] data = bytes(CHUNK * 2 + 1234);
        String url = uploadUrl(data.length);

        HttpResponse<String> first = send(url, "upload", 0, data, 0, CHUNK);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(status(first)).isEqualTo("active");

        // A client that lost track asks where to go on.
        HttpResponse<String> q = query(url);
        assertThat(status(q)).isEqualTo("active");
        assertThat(q.headers().firstValue("X-Goog-Upload-Size-Received")).contains(Integer.toString(CHUNK));

        assertThat(send(url, "upload", CHUNK, data, CHUNK, 2 * CHUNK).statusCode())
                .isEqualTo(200);
        HttpResponse<String> last = send(url, "upload, finalize", 2L * CHUNK, data, 2 * CHUNK, data.length);
        assertThat(last.statusCode()).isEqualTo(200);
        assertThat(status(last)).isEqualTo("final");
        JsonNode file = Sdk.json(last.body()).path("file");
        assertThat(file.path("sizeBytes").asText()).isEqualTo(Integer.toString(data.length));
        assertThat(file.path("state").asText()).isEqualTo("ACTIVE");
        assertThat(file.path("sha256Hash").asText())
                .isEqualTo(Base64.getEncoder()
                        .encodeToString(MessageDigest.getInstance("SHA-256").digest(data)));

        // The stored bytes are exactly those sent, read back through the SDK's download.
        Path out = tmp.resolve("roundtrip.bin");
        client.files.download(file.path("name").asText(), out.toString(), null);
        assertThat(Arrays.equals(Files.readAllBytes(out), data)).isTrue();
    }

    @Test
    void shouldAcceptEmptyFinalChunkAtExactMultipleOfChunkSize() throws Exception {
        byte[] data = bytes(CHUNK);
        String url = uploadUrl(data.length);
        assertThat(send(url, "upload", 0, data, 0, CHUNK).statusCode()).isEqualTo(200);
        HttpResponse<String> last = send(url, "upload, finalize", CHUNK, data, 0, 0);
        assertThat(last.statusCode()).isEqualTo(200);
        assertThat(Sdk.json(last.body()).at("/file/sizeBytes").asText()).isEqualTo(Integer.toString(CHUNK));
    }

    @Test
    void shouldRefuseWrongOffsetWithStatusHeader() throws Exception {
        byte[] data = bytes(100);
        String url = uploadUrl(data.length);
        assertThat(send(url, "upload", 0, data, 0, 40).statusCode()).isEqualTo(200);

        HttpResponse<String> wrong = send(url, "upload", 50, data, 50, 100);
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(status(wrong)).isEqualTo("active");
        assertThat(Sdk.json(wrong.body()).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(wrong.headers().firstValue("X-Goog-Upload-Size-Received")).contains("40");

        // The refused chunk left nothing behind: the upload goes on from 40.
        HttpResponse<String> last = send(url, "upload, finalize", 40, data, 40, 100);
        assertThat(last.statusCode()).isEqualTo(200);
        assertThat(Sdk.json(last.body()).at("/file/sizeBytes").asText()).isEqualTo("100");
    }

    @Test
    void shouldRefuseFinalizeWhenSizeDiffersFromDeclared() throws Exception {
        byte[] data = bytes(100);
        String url = uploadUrl(200);
        HttpResponse<String> r = send(url, "upload, finalize", 0, data, 0, 100);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(status(r)).isEqualTo("final");
        assertThat(Sdk.json(r.body()).at("/error/message").asText())
                .contains("100")
                .contains("200");

        // The upload is gone; the answer still says final, so a client stops.
        HttpResponse<String> again = send(url, "upload, finalize", 100, data, 0, 0);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(status(again)).isEqualTo("final");
    }

    @Test
    void shouldPutStatusHeaderOnInjectedFaultsOfUploadUrl() throws Exception {
        byte[] data = bytes(10);
        String url = uploadUrl(data.length);
        emulator.failNextRequests(1, 503, "/upload/");
        HttpResponse<String> r = send(url, "upload, finalize", 0, data, 0, 10);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(status(r)).isEqualTo("active");
        assertThat(r.headers().firstValue("Retry-After")).contains("1");
        // Nothing was taken: the same chunk goes through on retry.
        assertThat(send(url, "upload, finalize", 0, data, 0, 10).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldUploadGetListAndDeleteThroughSdk() throws Exception {
        Path p = tmp.resolve("small.jsonl");
        Files.writeString(p, "{\"key\":\"a\",\"request\":{}}\n", StandardCharsets.UTF_8);
        File uploaded = client.files.upload(
                p.toString(),
                UploadFileConfig.builder()
                        .mimeType("application/jsonl")
                        .displayName("small")
                        .build());
        String name = uploaded.name().orElseThrow();
        assertThat(uploaded.sizeBytes()).contains(Files.size(p));
        assertThat(uploaded.mimeType()).contains("application/jsonl");

        File got = client.files.get(name, null);
        assertThat(got.displayName()).contains("small");
        assertThat(got.uri()).hasValueSatisfying(u -> assertThat(u).startsWith(emulator.baseUrl() + "/v1beta/files/"));

        List<String> listed = new java.util.ArrayList<>();
        client.files
                .list(ListFilesConfig.builder().pageSize(1).build())
                .forEach(f -> listed.add(f.name().orElseThrow()));
        assertThat(listed).contains(name).doesNotHaveDuplicates();

        client.files.delete(name, null);
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(
                                com.google.genai.errors.ClientException.class, () -> client.files.get(name, null))
                        .code())
                .as("the Files API's answer for a file that is not there")
                .isEqualTo(403);
    }

    @Test
    void shouldSurfaceRefusedChunkToSdkAtOnceThanksToStatusHeader() throws Exception {
        Path p = tmp.resolve("refused.jsonl");
        Files.writeString(p, "{\"key\":\"a\"}\n", StandardCharsets.UTF_8);
        long before = emulator.requestCount();
        emulator.failNextRequests(1, 400, "upload_id=");
        // The SDK with its default retries: a 400 is not retried, and the status header stops its chunk loop.
        try (Client retrying = Client.builder()
                .apiKey(Sdk.API_KEY)
                .httpOptions(com.google.genai.types.HttpOptions.builder()
                        .baseUrl(emulator.baseUrl())
                        .apiVersion("v1beta")
                        .build())
                .build()) {
            long start = System.nanoTime();
            var e = org.assertj.core.api.Assertions.catchThrowableOfType(
                    com.google.genai.errors.ClientException.class,
                    () -> retrying.files.upload(
                            p.toString(),
                            UploadFileConfig.builder().mimeType("jsonl").build()));
            assertThat(e.code()).isEqualTo(400);
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(java.time.Duration.ofSeconds(5));
        }
        assertThat(emulator.requestCount() - before).isEqualTo(2); // start + the one refused chunk
    }
}
