package io.genaibatch.emulator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;

/** One configured Jackson mapper (thread-safe once built) and the small JSON idioms used here. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {}

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    static ObjectNode errorBody(int code, String status, String message) {
        return errorBody(code, status, message, null);
    }

    /** With a {@code reason}, the service's details entry: a google.rpc.ErrorInfo naming it. */
    static ObjectNode errorBody(int code, String status, String message, String reason) {
        ObjectNode body = object();
        ObjectNode error = body.putObject("error")
                .put("code", code)
                .put("message", message)
                .put("status", status);
        if (reason != null) {
            error.putArray("details")
                    .addObject()
                    .put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                    .put("reason", reason)
                    .put("domain", "googleapis.com");
        }
        return body;
    }

    static ObjectNode errorObject(int code, String status, String message) {
        return object().put("code", code).put("message", message).put("status", status);
    }

    /** Parses a request body that must be a JSON object; an empty body is an empty object. */
    static ObjectNode readObject(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        if (bytes.length == 0) {
            return object();
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ErrorAnswer.invalidArgument("Invalid JSON payload received. " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return object();
        }
        if (!node.isObject()) {
            throw ErrorAnswer.invalidArgument(
                    "Invalid JSON payload received. Expected an object, found " + node.getNodeType());
        }
        return (ObjectNode) node;
    }

    /**
     * A field of a request message by its lowerCamelCase name or, when absent, its original snake_case name
     * ({@code outputDimensionality} / {@code output_dimensionality}): proto3 JSON, which the service speaks,
     * accepts both. The one way the emulator reads a field of a client's message, so every body, upload metadata,
     * JSONL line and inline request takes both spellings; answers are written in camelCase, as the service's.
     * Free-form values (a request's {@code metadata}, a schema's properties) are read as they are: the accessor
     * looks a proto field up, it never renames what is under it. When both spellings are present the camelCase
     * one wins. Null when neither is there.
     */
    static JsonNode field(JsonNode node, String camelName) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode v = node.get(camelName);
        return v != null ? v : node.get(snakeCase(camelName));
    }

    /** {@code outputDimensionality} → {@code output_dimensionality}; a one-word name stays as it is. */
    static String snakeCase(String camelName) {
        StringBuilder sb = null;
        for (int i = 0; i < camelName.length(); i++) {
            char c = camelName.charAt(i);
            if (Character.isUpperCase(c)) {
                if (sb == null) {
                    sb = new StringBuilder(camelName.length() + 4).append(camelName, 0, i);
                }
                sb.append('_').append(Character.toLowerCase(c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? camelName : sb.toString();
    }

    /**
     * An int32/int64 field's value as proto3 JSON takes it: a number or a string holding one, in any notation of a
     * whole number ({@code 8}, {@code "8"}, {@code 8.0}, {@code "8e0"}). Null for anything else (a fraction, a word,
     * an object, or a value past a long), for the caller to refuse naming the field.
     */
    static Long integer(JsonNode value) {
        try {
            java.math.BigDecimal d = value.isNumber()
                    ? value.decimalValue()
                    : value.isTextual() ? new java.math.BigDecimal(value.asText()) : null;
            return d == null ? null : d.longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /**
     * A query parameter by its lowerCamelCase or snake_case name ({@code pageSize} / {@code page_size}): the
     * service's HTTP transcoding maps both to the request message's field, as bodies do ({@link #field}).
     */
    static String param(java.util.Map<String, String> query, String camelName) {
        String v = query.get(camelName);
        return v != null ? v : query.get(snakeCase(camelName));
    }

    /** A text field read through {@link #field}; null when absent or not a string. */
    static String text(JsonNode node, String field) {
        JsonNode v = field(node, field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
