package io.genaibatch.accumulate;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.RequestKind;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names the field that makes a value undecodable, from the JSON itself when the value is JSON. */
final class UndecodableRequests {
    private UndecodableRequests() {}

    static Rejection classify(RequestValidator.Source source, byte[] value, Exception exception) {
        String derived = RequestIds.derived(source.topic(), source.partition(), source.offset());
        Instant receivedAt = Instant.ofEpochMilli(source.timestamp());
        String message = exception.getMessage() == null ? exception.toString() : exception.getMessage();
        JsonNode json = value == null ? null : RequestJson.parseOrNull(value);
        if (json == null) {
            return new Rejection(ErrorCode.UNDECODABLE, message, derived, "", null, null, receivedAt);
        }
        if (!json.isObject()) {
            return new Rejection(
                    ErrorCode.NOT_AN_OBJECT,
                    "the value is JSON but " + RequestJson.type(json)
                            + ", not an object: expected {\"model\": ..., \"kind\": ..., \"request\": {...}}",
                    derived,
                    "",
                    null,
                    null,
                    receivedAt);
        }
        String requestId = text(json, "requestId");
        if (requestId == null || requestId.isBlank() || RequestIds.problem(requestId) != null) {
            requestId = derived;
        }
        String model = text(json, "model");
        RequestKind kind = kindOf(json);
        Map<String, String> metadata = metadataOf(json);
        JsonNode kindNode = json.get("kind");
        JsonNode modelNode = json.get("model");
        ErrorCode code;
        if (kindNode == null || kindNode.isNull()) {
            code = ErrorCode.MISSING_KIND;
        } else if (kind == null) {
            code = ErrorCode.INVALID_KIND;
        } else if (modelNode == null || modelNode.isNull()) {
            code = ErrorCode.MISSING_MODEL;
        } else if (model == null) {
            code = ErrorCode.INVALID_MODEL;
        } else if (json.get("request") == null || json.get("request").isNull() || message.contains("'request'")) {
            code = ErrorCode.INVALID_REQUEST;
        } else {
            code = ErrorCode.UNDECODABLE;
        }
        return new Rejection(code, message, requestId, model == null ? "" : model, kind, metadata, receivedAt);
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    private static RequestKind kindOf(JsonNode json) {
        String kind = text(json, "kind");
        for (RequestKind k : RequestKind.values()) {
            if (k.name().equals(kind)) {
                return k;
            }
        }
        return null;
    }

    private static Map<String, String> metadataOf(JsonNode json) {
        JsonNode node = json.get("metadata");
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getValue().isTextual()) {
                    out.put(e.getKey(), e.getValue().textValue());
                }
            });
        }
        return out;
    }
}
