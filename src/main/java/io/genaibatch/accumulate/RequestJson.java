package io.genaibatch.accumulate;

import java.io.IOException;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.genaibatch.records.RequestKind;

/**
 * Checks that a request's REST JSON has the shape of a GenerateContentRequest or an EmbedContentRequest, and
 * returns it on one line, ready for the batch file. Only what the API would certainly refuse is refused, so a field
 * the API adds later passes: unknown fields are kept, the known ones must have the right JSON type.
 */
final class RequestJson {
    /** The same reading rules as the topic JSON codec: exact decimals (never rounded), strict, any string length. */
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private static final Map<String, String> GENERATE_OPTIONAL = Map.of(
            "generationConfig", "object", "systemInstruction", "object", "safetySettings", "array",
            "tools", "array", "toolConfig", "object", "cachedContent", "string", "labels", "object");
    private static final Map<String, String> EMBED_OPTIONAL = Map.of(
            "taskType", "string", "title", "string", "outputDimensionality", "integer");

    private RequestJson() {
    }

    /** A problem found in the request: its error code and message. */
    record Problem(String code, String message) {
    }

    /** The outcome: the one-line JSON, or the problem. */
    record Checked(String oneLine, Problem problem) {
    }

    static Checked check(RequestKind kind, String text) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return invalid("field 'request' is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return invalid("field 'request' is not valid JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            return invalid("field 'request' is empty: expected a JSON object");
        }
        if (!root.isObject()) {
            return invalid("field 'request' must be a JSON object (a " + (kind == RequestKind.EMBED ? "EmbedContentRequest"
                    : "GenerateContentRequest") + "), found " + type(root));
        }
        Problem problem = kind == RequestKind.EMBED ? checkEmbed(root) : checkGenerate(root);
        if (problem != null) {
            return new Checked(null, problem);
        }
        // A raw line break can only be whitespace between tokens (inside strings it must be escaped): text without
        // one is already a valid JSONL line, so the common case costs no re-serialisation.
        boolean oneLine = text.indexOf('\n') < 0 && text.indexOf('\r') < 0;
        return new Checked(oneLine ? text.strip() : root.toString(), null);
    }

    private static Problem checkGenerate(JsonNode root) {
        JsonNode contents = root.get("contents");
        if (contents == null || contents.isNull()) {
            return new Problem(ErrorCodes.INVALID_REQUEST, "field 'request.contents' is missing: a GenerateContentRequest "
                    + "needs a non-empty array of Content objects");
        }
        if (!contents.isArray()) {
            return new Problem(ErrorCodes.INVALID_REQUEST, "field 'request.contents' must be an array of Content objects, found "
                    + type(contents));
        }
        if (contents.isEmpty()) {
            return new Problem(ErrorCodes.EMPTY_CONTENTS, "field 'request.contents' is an empty array: nothing to generate from");
        }
        for (int i = 0; i < contents.size(); i++) {
            Problem p = checkContent(contents.get(i), "request.contents[" + i + "]");
            if (p != null) {
                return p;
            }
        }
        return checkOptional(root, GENERATE_OPTIONAL);
    }

    private static Problem checkEmbed(JsonNode root) {
        JsonNode content = root.get("content");
        if (content == null || content.isNull()) {
            return new Problem(ErrorCodes.INVALID_REQUEST, "field 'request.content' is missing: an EmbedContentRequest "
                    + "needs a Content object with parts");
        }
        Problem p = checkContent(content, "request.content");
        return p != null ? p : checkOptional(root, EMBED_OPTIONAL);
    }

    private static Problem checkContent(JsonNode content, String path) {
        if (!content.isObject()) {
            return new Problem(ErrorCodes.INVALID_REQUEST, "field '" + path + "' must be a Content object, found " + type(content));
        }
        JsonNode parts = content.get("parts");
        if (parts == null || parts.isNull() || (parts.isArray() && parts.isEmpty())) {
            return new Problem(ErrorCodes.EMPTY_CONTENTS, "field '" + path + ".parts' is " + (parts == null || parts.isNull()
                    ? "missing" : "an empty array") + ": a Content needs at least one part");
        }
        if (!parts.isArray()) {
            return new Problem(ErrorCodes.INVALID_REQUEST, "field '" + path + ".parts' must be an array of Part objects, found "
                    + type(parts));
        }
        for (int i = 0; i < parts.size(); i++) {
            if (!parts.get(i).isObject()) {
                return new Problem(ErrorCodes.INVALID_REQUEST, "field '" + path + ".parts[" + i + "]' must be a Part object "
                        + "(e.g. {\"text\": ...}), found " + type(parts.get(i)));
            }
        }
        JsonNode role = content.get("role");
        if (role != null && !role.isNull() && !role.isTextual()) {
            return new Problem(ErrorCodes.INVALID_REQUEST, "field '" + path + ".role' must be a string, found " + type(role));
        }
        return null;
    }

    private static Problem checkOptional(JsonNode root, Map<String, String> expected) {
        for (Map.Entry<String, String> field : expected.entrySet()) {
            JsonNode node = root.get(field.getKey());
            if (node == null || node.isNull()) {
                continue;
            }
            boolean ok = switch (field.getValue()) {
                case "object" -> node.isObject();
                case "array" -> node.isArray();
                case "string" -> node.isTextual();
                default -> node.isIntegralNumber();
            };
            if (!ok) {
                return new Problem(ErrorCodes.INVALID_REQUEST, "field 'request." + field.getKey() + "' must be "
                        + ("aeiou".indexOf(field.getValue().charAt(0)) >= 0 ? "an " : "a ")
                        + field.getValue() + ", found " + type(node));
            }
        }
        return null;
    }

    private static Checked invalid(String message) {
        return new Checked(null, new Problem(ErrorCodes.INVALID_REQUEST, message));
    }

    static String type(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** For the rejection path only: the value as a JSON tree, or null when it is not JSON. */
    static JsonNode parseOrNull(byte[] bytes) {
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
