package io.genaibatch.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpsServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesItsRoutesAndNamesThemForAnUnknownPath() throws Exception {
        try (OpsServer server = OpsServer.start(
                "127.0.0.1", 0, Map.of("/hello", exchange -> OpsServer.send(exchange, 200, "text/plain", "hi")))) {
            HttpResponse<String> hello = get(server, "/hello", "GET");
            HttpResponse<String> unknown = get(server, "/nope", "GET");

            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo("hi");
            assertThat(hello.headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("/hello");
        }
    }

    @Test
    void refusesWritesAndAnswersHeadWithoutABody() throws Exception {
        try (OpsServer server = OpsServer.start(
                "127.0.0.1", 0, Map.of("/hello", exchange -> OpsServer.send(exchange, 200, "text/plain", "hi")))) {
            HttpResponse<String> post = get(server, "/hello", "POST");
            HttpResponse<String> head = get(server, "/hello", "HEAD");

            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void aFailingHandlerAnswers500AndTheServerGoesOn() throws Exception {
        try (OpsServer server = OpsServer.start(
                "127.0.0.1",
                0,
                Map.of(
                        "/boom",
                                exchange -> {
                                    throw new IllegalStateException("broken view");
                                },
                        "/ok", exchange -> OpsServer.send(exchange, 200, "text/plain", "ok")))) {
            HttpResponse<String> boom = get(server, "/boom", "GET");
            HttpResponse<String> ok = get(server, "/ok", "GET");

            assertThat(boom.statusCode()).isEqualTo(500);
            assertThat(boom.body()).contains("broken view");
            assertThat(ok.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aPortInUseIsRefusedNamingTheAddressAndTheSetting() {
        try (OpsServer first = OpsServer.start("127.0.0.1", 0, Map.of())) {
            assertThatThrownBy(() -> OpsServer.start("127.0.0.1", first.port(), Map.of()))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("127.0.0.1:" + first.port())
                    .hasMessageContaining("http.port");
        }
    }

    private HttpResponse<String> get(OpsServer server, String path, String method) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
