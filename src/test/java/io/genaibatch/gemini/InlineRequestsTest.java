package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool → SDK conversion of inline requests, down to what the SDK puts on the wire. */
class InlineRequestsTest {
    @TempDir
    Path dir;

    @Test
    void shouldSendEachSpoolRequestOnTheWireWithItsKeyAndConfig() throws IOException {
        Path spool = dir.resolve("wire.jsonl");
        Files.writeString(spool, """
                {"key": "k-1", "request": {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], \
                "systemInstruction": {"parts": [{"text": "be brief"}]}, \
                "generationConfig": {"temperature": 0.1, "maxOutputTokens": 50, "responseMimeType": "application/json"}, \
                "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]}}
                {"key": "k-2", "request": {"contents": [{"parts": [{"text": "second"}]}]}}
                """);
        AtomicReference<String> body = new AtomicReference<>();
        HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", exchange -> {
            body.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] answer = ("{\"name\": \"batches/wire\", \"metadata\": {\"name\": \"batches/wire\","
                            + " \"state\": \"BATCH_STATE_PENDING\", \"displayName\": \"b-wire\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        stub.start();
        try (BatchApi api = BatchApi.open(GeminiSettings.builder()
                .apiKey("k")
                .baseUrl("http://127.0.0.1:" + stub.getAddress().getPort())
                .retry(RetrySettings.NO_RETRY)
                .build())) {

            BatchJobInfo job = api.create("gemini-2.5-flash", "b-wire", BatchInput.inline(spool));
            assertThat(job.name()).isEqualTo("batches/wire");
            assertThat(job.state()).isEqualTo(BatchState.PENDING);
        } finally {
            stub.stop(0);
        }

        JsonNode batch = TestSupport.MAPPER.readTree(body.get()).path("batch");
        assertThat(batch.path("displayName").asText()).isEqualTo("b-wire");
        JsonNode requests = batch.path("inputConfig").path("requests").path("requests");
        assertThat(requests).hasSize(2);
        JsonNode first = requests.get(0);
        assertThat(first.path("metadata").path("key").asText()).isEqualTo("k-1");
        JsonNode r = first.path("request");
        assertThat(r.path("contents").get(0).path("parts").get(0).path("text").asText())
                .isEqualTo("hi");
        assertThat(r.path("systemInstruction").path("parts").get(0).path("text").asText())
                .isEqualTo("be brief");
        assertThat(r.path("generationConfig").path("temperature").asDouble())
                .isEqualTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(r.path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(50);
        assertThat(r.path("generationConfig").path("responseMimeType").asText()).isEqualTo("application/json");
        assertThat(r.path("safetySettings").get(0).path("threshold").asText()).isEqualTo("BLOCK_NONE");
        assertThat(requests.get(1).path("metadata").path("key").asText()).isEqualTo("k-2");
        assertThat(requests.get(1)
                        .path("request")
                        .path("contents")
                        .get(0)
                        .path("parts")
                        .get(0)
                        .path("text")
                        .asText())
                .isEqualTo("second");
    }

    @Test
    void shouldRefuseAFieldTheSdkWouldDropNamingIt() throws IOException {
        Path spool = dir.resolve("unknown.jsonl");
        Files.writeString(
                spool,
                "{\"key\": \"k\", \"request\": {\"contents\": [{\"parts\": [{\"text\": \"x\"}]}],"
                        + " \"generationConfig\": {\"temperature\": 0.3, \"brandNewKnob\": true}}}\n");

        assertThatThrownBy(() -> InlineRequests.read(spool, 1_000_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("brandNewKnob")
                .hasMessageContaining("key k")
                .hasMessageContaining("as a file");
    }

    @Test
    void aSnakeCaseRequestIsSentAsAFileWhereItTravelsByteForByte() throws IOException {
        // proto3 JSON accepts generation_config, but the SDK's config reader knows only generationConfig: rather than
        // rename fields inside free-form values (function args, schema properties), such a batch goes as a file.
        Path spool = dir.resolve("snake.jsonl");
        Files.writeString(
                spool,
                "{\"key\": \"k\", \"request\": {\"contents\": [{\"parts\": [{\"text\": \"x\"}]}],"
                        + " \"generation_config\": {\"temperature\": 0.3}}}\n");

        assertThatThrownBy(() -> InlineRequests.read(spool, 1_000_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("generation_config")
                .hasMessageContaining("as a file");
    }

    @Test
    void shouldRefuseAnUnsupportedTopLevelField() throws IOException {
        Path spool = dir.resolve("model.jsonl");
        Files.writeString(
                spool,
                "{\"key\": \"k\", \"request\": {\"model\": \"models/x\","
                        + " \"contents\": [{\"parts\": [{\"text\": \"x\"}]}]}}\n");

        assertThatThrownBy(() -> InlineRequests.read(spool, 1_000_000)).hasMessageContaining("\"model\"");
    }

    @Test
    void shouldRefuseDuplicateOrMissingKeys() throws IOException {
        Path dup = TestSupport.generateSpool(dir, "dup.jsonl", java.util.Map.of("a", "x"));
        Files.writeString(dup, Files.readString(dup) + Files.readString(dup));
        assertThatThrownBy(() -> InlineRequests.read(dup, 1_000_000)).hasMessageContaining("'a' appears twice");

        Path noKey = dir.resolve("nokey.jsonl");
        Files.writeString(noKey, "{\"request\": {\"contents\": [{\"parts\": [{\"text\": \"x\"}]}]}}\n");
        assertThatThrownBy(() -> InlineRequests.read(noKey, 1_000_000))
                .hasMessageContaining("line 1")
                .hasMessageContaining("\"key\"");
    }

    @Test
    void shouldRefuseASpoolOverTheInlineLimitBeforeParsingIt() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "big.jsonl", TestSupport.prompts("big", 100));

        assertThatThrownBy(() -> InlineRequests.read(spool, 100))
                .hasMessageContaining("inline limit of 100")
                .hasMessageContaining("upload it as a file");
    }
}
