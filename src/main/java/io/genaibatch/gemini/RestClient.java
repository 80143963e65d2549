package io.genaibatch.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Our own HTTP on the API's endpoints, for the calls the SDK gets wrong: same base URL, version prefix and
 * {@code x-goog-api-key} header as the SDK. Turns every non-2xx answer and every transport failure into a
 * {@link GeminiApiException} carrying status, message and Retry-After.
 */
final class RestClient {
    static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    /** An error body larger than this is cut: it is only read for its message. */
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final OkHttpClient http;
    private final HttpUrl base;
    private final ApiOrigin origin;
    private final String apiVersion;
    private final String apiKey;
    private final Clock clock;

    RestClient(OkHttpClient http, String baseUrl, String apiVersion, String apiKey, Clock clock) {
        this.http = http;
        HttpUrl parsed = HttpUrl.parse(baseUrl);
        if (parsed == null) {
            throw new IllegalArgumentException("gemini base URL is not an http(s) URL: " + baseUrl);
        }
        this.base = parsed;
        this.origin = ApiOrigin.of(parsed);
        this.apiVersion = apiVersion;
        this.apiKey = apiKey;
        this.clock = clock;
    }

    /** {@code {base}/{version}/{resource}}, each '/'-separated segment of the resource encoded on its own. */
    HttpUrl api(String resource) {
        HttpUrl.Builder b = withoutTrailingSlash().addPathSegment(apiVersion);
        for (String segment : resource.split("/", -1)) {
            b.addPathSegment(segment);
        }
        return b.build();
    }

    /** {@code {base}/upload/{version}/files}: where a resumable upload starts. */
    HttpUrl uploadStart() {
        return withoutTrailingSlash()
                .addPathSegment("upload")
                .addPathSegment(apiVersion)
                .addPathSegment("files")
                .build();
    }

    /**
     * An upload URL as the server gave it; a relative one is taken relative to the base URL. One on another origin
     * (scheme, host or port) is refused: every chunk carries the API key, which goes to the configured API only,
     * and the real service's upload URLs are on its own host.
     */
    HttpUrl resolve(String operation, String url) {
        HttpUrl resolved = HttpUrl.parse(url);
        if (resolved == null) {
            resolved = base.resolve(url);
        }
        if (resolved == null) {
            // Not quoted whole: an upload URL's query is its credential.
            throw GeminiApiException.protocol(operation, "unusable X-Goog-Upload-URL (not a URL)", null);
        }
        if (!origin.matches(resolved)) {
            throw GeminiApiException.protocol(
                    operation,
                    "the server named an upload URL on "
                            + ApiOrigin.describe(resolved) + ", not on the API's " + origin
                            + "; refused, because the API"
                            + " key is sent only to the API's own scheme, host and port",
                    null);
        }
        return resolved;
    }

    /** Where the API key may go. */
    ApiOrigin origin() {
        return origin;
    }

    private HttpUrl.Builder withoutTrailingSlash() {
        HttpUrl.Builder b = base.newBuilder();
        // "http://h:1/" has one empty path segment; drop it so that segments append cleanly.
        if (!base.pathSegments().isEmpty()
                && base.pathSegments().get(base.pathSegments().size() - 1).isEmpty()) {
            b.removePathSegment(base.pathSegments().size() - 1);
        }
        return b;
    }

    /** A request to {@code url}, with the API key when (and only when) it is on the API's origin. */
    Request.Builder request(HttpUrl url) {
        Request.Builder b = new Request.Builder().url(url);
        return origin.matches(url) ? b.header(ApiOrigin.KEY_HEADER, apiKey) : b;
    }

    static RequestBody json(String body) {
        return RequestBody.create(body, JSON);
    }

    /**
     * Sends the request. On 2xx returns the open response, which the caller closes; otherwise closes it and
     * throws the API's error.
     */
    Response send(String operation, Request request) {
        Response response;
        try {
            response = http.newCall(request).execute();
        } catch (IOException e) {
            throw transportFailure(operation, e);
        }
        if (!response.isSuccessful()) {
            try (response) {
                throw errorOf(operation, response);
            }
        }
        return response;
    }

    static GeminiApiException transportFailure(String operation, IOException e) {
        return GeminiApiException.transport(operation, e.toString(), neverReachedServer(e), e);
    }

    /** True when the failure happened before a connection existed: the server cannot have seen the request. */
    static boolean neverReachedServer(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException) {
                return true;
            }
            if (t instanceof SocketTimeoutException
                    && t.getMessage() != null
                    && t.getMessage().toLowerCase(Locale.ROOT).startsWith("connect")) {
                return true;
            }
        }
        return false;
    }

    /** The protocol's {@code {"error": {code, message, status}}}, or the reason phrase for a non-JSON body. */
    GeminiApiException errorOf(String operation, Response response) {
        int code = response.code();
        String status = response.message();
        String message = "";
        ResponseBody body = response.body();
        if (body != null) {
            try (InputStream in = body.byteStream()) {
                byte[] bytes = in.readNBytes(MAX_ERROR_BODY);
                String text = new String(bytes, StandardCharsets.UTF_8);
                try {
                    JsonNode error = OperationJson.MAPPER.readTree(bytes).path("error");
                    if (error.isObject()) {
                        status = error.path("status").asText(status);
                        message = error.path("message").asText("");
                        // The reasons in details (e.g. API_KEY_INVALID) say more than the status; the SDK keeps them
                        // too.
                        for (JsonNode detail : error.path("details")) {
                            if (detail.hasNonNull("reason")) {
                                message += " (reason " + detail.path("reason").asText() + ")";
                            }
                        }
                    } else {
                        message = text.strip();
                    }
                } catch (IOException notJson) {
                    message = text.strip();
                }
            } catch (IOException e) {
                message = "(error body unreadable: " + e + ")";
            }
        }
        return GeminiApiException.http(
                operation, code, status, message, parseRetryAfter(response.header("Retry-After"), clock));
    }

    /** Retry-After as delay-seconds or an HTTP-date; null when absent or unreadable. */
    static Duration parseRetryAfter(String header, Clock clock) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String v = header.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }
}
