package io.genaibatch.emulator;

import java.io.IOException;
import java.io.InputStream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One configured Jackson mapper (thread-safe once built) and the small JSON idioms used here. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {
    }

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    static ObjectNode errorBody(int code, String status, String message) {
        ObjectNode body = object();
        body.putObject("error").put("code", code).put("message", message).put("status", status);
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
            throw ApiError.invalidArgument("Invalid JSON payload received. " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return object();
        }
        if (!node.isObject()) {
            throw ApiError.invalidArgument("Invalid JSON payload received. Expected an object, found "
                    + node.getNodeType());
        }
        return (ObjectNode) node;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
