package io.genaibatch.gemini;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads batch Operations from the raw REST JSON with a streaming parser: the fields the SDK hides
 * (batchStats, error) are kept, and inlined responses are skipped (only counted), so a job with 20 MB of
 * inline output costs no heap to describe.
 *
 * <p>Output is read from {@code metadata.output} and, when that is absent, from the top-level
 * {@code response} (the protocol sends both when done). A job error is read from {@code metadata.error}
 * or the top-level {@code error}.
 */
final class OperationJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private OperationJson() {}

    /** One Operation; the parser is on its START_OBJECT and ends on its END_OBJECT. */
    static BatchJobInfo readOperation(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT, "a batch operation object");
        Acc acc = new Acc();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> acc.name = p.getValueAsString();
                case "metadata" -> readBatch(p, acc);
                case "response" -> {
                    BatchOutput out = readOutput(p);
                    if (!acc.output.isPresent()) {
                        acc.output = out;
                    }
                }
                case "error" -> {
                    ApiError e = readError(p);
                    if (acc.error == null) {
                        acc.error = e;
                    }
                }
                default -> p.skipChildren();
            }
        }
        return acc.build();
    }

    /**
     * Moves the parser of a whole Operation onto the START_ARRAY of its inlined responses.
     *
     * @return the job's state and responses file as seen on the way, and whether the array was found
     */
    static Position seekInlineResponses(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT, "a batch operation object");
        Position pos = new Position();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("metadata") && p.currentToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    p.nextToken();
                    if (f.equals("state")) {
                        pos.state = p.getValueAsString();
                    } else if (f.equals("output") && seekInOutput(p, pos)) {
                        return pos;
                    } else {
                        p.skipChildren();
                    }
                }
            } else if (field.equals("response") && seekInOutput(p, pos)) {
                return pos;
            } else {
                p.skipChildren();
            }
        }
        return pos;
    }

    /** What {@link #seekInlineResponses} saw. */
    static final class Position {
        String state;
        String responsesFile;
        boolean found;
    }

    /** One inlined response; the parser is on its START_OBJECT and ends on its END_OBJECT. */
    static InlineResult readInlineResult(JsonParser p, int index) throws IOException {
        JsonNode node = MAPPER.readTree(p);
        JsonNode response = node.get("response");
        JsonNode error = node.get("error");
        String key = node.path("metadata").path("key").isTextual()
                ? node.path("metadata").path("key").asText()
                : null;
        return new InlineResult(
                index,
                Optional.ofNullable(key),
                response == null || response.isNull() ? Optional.empty() : Optional.of(response),
                error == null || error.isNull() ? Optional.empty() : Optional.of(toError(error)));
    }

    /** A google.rpc.Status tree → ApiError. */
    static ApiError toError(JsonNode error) {
        return new ApiError(
                error.path("code").asInt(0),
                error.path("status").asText(""),
                error.path("message").asText(""));
    }

    /** A Files API File object. */
    static FileInfo toFile(JsonNode file) {
        JsonNode size = file.get("sizeBytes");
        JsonNode sha = file.get("sha256Hash");
        return new FileInfo(
                file.path("name").asText(),
                file.path("displayName").asText(""),
                file.path("mimeType").asText(""),
                size == null ? -1 : size.asLong(-1),
                sha == null || sha.isNull() ? Optional.empty() : Optional.of(sha.asText()),
                file.path("state").asText(""));
    }

    private static boolean seekInOutput(JsonParser p, Position pos) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return false;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            if (f.equals("responsesFile")) {
                pos.responsesFile = p.getValueAsString();
            } else if (f.equals("inlinedResponses") && p.currentToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String g = p.currentName();
                    p.nextToken();
                    if (g.equals("inlinedResponses") && p.currentToken() == JsonToken.START_ARRAY) {
                        pos.found = true;
                        return true;
                    }
                    p.skipChildren();
                }
            } else {
                p.skipChildren();
            }
        }
        return false;
    }

    private static void readBatch(JsonParser p, Acc acc) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> acc.metadataName = p.getValueAsString();
                case "displayName" -> acc.displayName = p.getValueAsString();
                case "model" -> acc.model = p.getValueAsString();
                case "state" -> acc.state = p.getValueAsString();
                case "createTime" -> acc.createTime = instant(p.getValueAsString());
                case "updateTime" -> acc.updateTime = instant(p.getValueAsString());
                case "endTime" -> acc.endTime = instant(p.getValueAsString());
                case "batchStats" -> acc.stats = readStats(p);
                case "output" -> acc.output = readOutput(p);
                case "error" -> acc.error = readError(p);
                default -> p.skipChildren();
            }
        }
    }

    private static BatchStats readStats(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        long total = 0;
        long ok = 0;
        long failed = 0;
        long pending = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            // Int64 counters arrive as JSON strings; getValueAsLong reads both forms.
            switch (field) {
                case "requestCount" -> total = p.getValueAsLong();
                case "successfulRequestCount" -> ok = p.getValueAsLong();
                case "failedRequestCount" -> failed = p.getValueAsLong();
                case "pendingRequestCount" -> pending = p.getValueAsLong();
                default -> p.skipChildren();
            }
        }
        return new BatchStats(total, ok, failed, pending);
    }

    private static BatchOutput readOutput(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return BatchOutput.NONE;
        }
        String file = null;
        long inline = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("responsesFile")) {
                file = p.getValueAsString();
            } else if (field.equals("inlinedResponses") && p.currentToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String inner = p.currentName();
                    p.nextToken();
                    if (inner.equals("inlinedResponses") && p.currentToken() == JsonToken.START_ARRAY) {
                        inline = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            p.skipChildren();
                            inline++;
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return new BatchOutput(Optional.ofNullable(file), inline);
    }

    private static ApiError readError(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        return toError(MAPPER.readTree(p));
    }

    private static Instant instant(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            // A time we cannot read is not worth failing a poll over.
            return null;
        }
    }

    static void expect(JsonParser p, JsonToken token, String what) throws IOException {
        JsonToken t = p.currentToken() == null ? p.nextToken() : p.currentToken();
        if (t != token) {
            throw new IOException("expected " + what + ", found " + t + " at " + p.currentLocation());
        }
    }

    private static final class Acc {
        String name;
        String metadataName;
        String displayName;
        String model;
        String state;
        Instant createTime;
        Instant updateTime;
        Instant endTime;
        BatchStats stats;
        ApiError error;
        BatchOutput output = BatchOutput.NONE;

        BatchJobInfo build() throws IOException {
            String n = name != null ? name : metadataName;
            if (n == null) {
                throw new IOException("a batch operation without a name");
            }
            return new BatchJobInfo(
                    n,
                    displayName,
                    BatchState.parse(state),
                    model,
                    Optional.ofNullable(createTime),
                    Optional.ofNullable(updateTime),
                    Optional.ofNullable(endTime),
                    Optional.ofNullable(stats),
                    Optional.ofNullable(error),
                    output);
        }
    }
}
