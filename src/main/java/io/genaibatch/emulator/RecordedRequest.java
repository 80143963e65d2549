package io.genaibatch.emulator;

import java.util.List;
import java.util.Map;

/**
 * One request as the emulator received it, and the status it answered.
 *
 * @param sequence  0-based arrival number since start
 * @param method    GET, POST, DELETE...
 * @param path      the raw path, e.g. {@code /v1beta/batches/abc}
 * @param query     the raw query string, or "" when absent
 * @param headers   header names in lower case
 * @param bodySize  bytes of request body received
 * @param status    the HTTP status answered
 */
public record RecordedRequest(
        long sequence,
        String method,
        String path,
        String query,
        Map<String, List<String>> headers,
        long bodySize,
        int status) {

    public RecordedRequest {
        headers = Map.copyOf(headers);
    }

    /** The first value of a header (name in any case), or null. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public String toString() {
        return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " -> " + status + " (" + bodySize
                + " bytes in)";
    }
}
