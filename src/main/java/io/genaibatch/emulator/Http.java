package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers to answer an exchange. */
final class Http {
    private Http() {}

    static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        startResponse(exchange, status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static void sendPage(HttpExchange exchange, int status, String html) throws IOException {
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=UTF-8");
        startResponse(exchange, status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static void sendEmpty(HttpExchange exchange, int status) throws IOException {
        startResponse(exchange, status, -1);
        exchange.getResponseBody().close();
    }

    /**
     * Reads what is left of the request before answering: a client still sending (a refused 8 MiB chunk) would
     * otherwise see a reset instead of our answer, and the request log counts the body through our stream
     * only if we read it (the JDK drains it silently on close).
     *
     * @param length as for {@link HttpExchange#sendResponseHeaders}: -1 no body, 0 chunked
     */
    static void startResponse(HttpExchange exchange, int status, long length) throws IOException {
        drain(exchange.getRequestBody());
        exchange.sendResponseHeaders(status, length);
    }

    static void sendError(HttpExchange exchange, ErrorAnswer error) throws IOException {
        sendJson(
                exchange,
                error.code(),
                Json.errorBody(error.code(), error.status(), error.getMessage(), error.reason()));
    }

    /** Reads and drops what is left of the request body, so the client can finish sending and read our answer. */
    static void drain(InputStream in) {
        byte[] buf = new byte[64 * 1024];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException ignored) {
            // the client went away: nothing left to drain
        }
    }

    static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            params.putIfAbsent(
                    URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return params;
    }

    /** scheme://host:port as the client reached us (the Host header), falling back to the bound address. */
    static String origin(HttpExchange exchange, String fallbackOrigin) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        return host == null || host.isBlank() ? fallbackOrigin : "http://" + host;
    }
}
