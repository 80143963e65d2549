package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API key goes to the configured API origin (scheme, host, port) and nowhere else: not to an upload URL the
 * server names on another origin, not across a redirect. Two real local servers on different ports are two
 * origins; the "other" one records what reached it.
 */
class ApiKeyDestinationTest {
    private static final String KEY = "secret-key-4711";

    @TempDir
    Path tmp;

    private HttpServer api;
    private HttpServer other;
    /** The x-goog-api-key header of every request that reached the other origin ("-" when absent). */
    private final List<String> keysSeenByOther = new CopyOnWriteArrayList<>();
    /** The x-goog-api-key header of every request that reached the API origin. */
    private final List<String> keysSeenByApi = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServers() throws IOException {
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", exchange -> {
            keysSeenByOther.add(keyOf(exchange));
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith(":download")) {
                send(exchange, 200, "abc", "application/octet-stream");
            } else if (path.contains("/files/")) {
                send(
                        exchange,
                        200,
                        "{\"name\":\"files/f1\",\"mimeType\":\"text/plain\",\"sizeBytes\":\"3\"}",
                        "application/json");
            } else {
                // an upload URL: take every chunk as the last one
                exchange.getResponseHeaders().set("X-Goog-Upload-Status", "final");
                send(exchange, 200, "{\"file\":{\"name\":\"files/f1\",\"sizeBytes\":\"3\"}}", "application/json");
            }
        });
        api.start();
        other.start();
    }

    @AfterEach
    void stopServers() {
        api.stop(0);
        other.stop(0);
    }

    @Test
    void shouldRefuseAnUploadUrlOnAnotherHostWithoutSendingItTheKey() throws IOException {
        String foreign = otherOrigin() + "/upload/v1beta/files?upload_id=u1";
        api.createContext("/", exchange -> {
            keysSeenByApi.add(keyOf(exchange));
            exchange.getResponseHeaders().set("X-Goog-Upload-URL", foreign);
            exchange.getResponseHeaders().set("X-Goog-Upload-Status", "active");
            send(exchange, 200, "", "text/plain");
        });
        Path file = Files.writeString(tmp.resolve("in.jsonl"), "abc");

        try (BatchApi client = BatchApi.open(settings())) {
            assertThatThrownBy(() -> client.uploadFile(file, "application/jsonl", "b-1"))
                    .isInstanceOf(GeminiApiException.class)
                    .hasMessageContaining("127.0.0.1:" + other.getAddress().getPort())
                    .hasMessageNotContaining(KEY)
                    .satisfies(e ->
                            assertThat(((GeminiApiException) e).isRetriable()).isFalse());
        }
        assertThat(keysSeenByApi).containsExactly(KEY);
        assertThat(keysSeenByOther).as("requests that reached the other host").isEmpty();
    }

    @Test
    void shouldFollowARedirectToAnotherHostWithoutTheKey() throws IOException {
        api.createContext("/", exchange -> {
            keysSeenByApi.add(keyOf(exchange));
            exchange.getResponseHeaders().set("Location", otherOrigin() + exchange.getRequestURI());
            send(exchange, 302, "", "text/plain");
        });

        try (BatchApi client = BatchApi.open(settings())) {
            // own HTTP (download) and the SDK's (files.get) share the client that strips the key
            assertThat(client.downloadFile("files/f1", tmp.resolve("out"))).isEqualTo(3);
            assertThat(client.getFile("files/f1").name()).isEqualTo("files/f1");
        }
        assertThat(keysSeenByApi).containsExactly(KEY, KEY);
        assertThat(keysSeenByOther).as("the key as it reached the other host").containsExactly("-", "-");
    }

    @Test
    void shouldKeepTheKeyOnARedirectWithinTheApiHost() throws IOException {
        api.createContext("/", exchange -> {
            keysSeenByApi.add(keyOf(exchange));
            if (exchange.getRequestURI().getPath().startsWith("/moved")) {
                send(exchange, 200, "abc", "application/octet-stream");
            } else {
                exchange.getResponseHeaders().set("Location", "/moved" + exchange.getRequestURI());
                send(exchange, 302, "", "text/plain");
            }
        });

        try (BatchApi client = BatchApi.open(settings())) {
            assertThat(client.downloadFile("files/f1", tmp.resolve("out"))).isEqualTo(3);
        }
        assertThat(keysSeenByApi).containsExactly(KEY, KEY);
    }

    private GeminiSettings settings() {
        return GeminiSettings.builder()
                .baseUrl("http://127.0.0.1:" + api.getAddress().getPort())
                .apiKey(KEY)
                .connectTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(10))
                .retry(RetrySettings.NO_RETRY)
                .build();
    }

    private String otherOrigin() {
        return "http://127.0.0.1:" + other.getAddress().getPort();
    }

    private static String keyOf(HttpExchange exchange) {
        String key = exchange.getRequestHeaders().getFirst("x-goog-api-key");
        return key == null ? "-" : key;
    }

    private static void send(HttpExchange exchange, int status, String body, String type) throws IOException {
        exchange.getRequestBody().readAllBytes();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        exchange.close();
    }
}
