package io.genaibatch.accumulate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.RequestKind;
import java.io.IOException;
import java.util.Map;

/**
 * Checks that a request's REST JSON has the shape of a GenerateContentRequest or an EmbedContentRequest, and
 * returns it on one line, ready for the batch file. Only what the API would certainly refuse is refused, so a field
 * the API adds later passes: unknown fields are kept, the known ones must have the right JSON type, whether named in
 * lowerCamelCase or snake_case (the API speaks proto3 JSON, which takes both).
 */
final class RequestJson {
    /** The same reading rules as the topic JSON codec: exact decimals (never rounded), strict, any string length. */
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    /** The optional fields of a GenerateContentRequest whose JSON type is checked (also by RequestJsonScanner). */
    static final Map<String, String> GENERATE_OPTIONAL = Map.of(
            "generationConfig",
            "object",
            "systemInstruction",
            "object",
            "safetySettings",
            "array",
            "tools",
            "array",
            "toolConfig",
            "object",
            "cachedContent",
            "string",
            "labels",
            "object");

    static final Map<String, String> EMBED_OPTIONAL =
            Map.of("taskType", "string", "title", "string", "outputDimensionality", "integer");

    private RequestJson() {}

    /** A problem found in the request: its error code and message. */
    record Problem(ErrorCode code, String message) {}

    /** The outcome: the one-line JSON, or the problem. */
    record Checked(String oneLine, Problem problem) {}

    static Checked check(RequestKind kind, String text) {
        return check(kind, text, null, 0, -1);
    }

    /**
     * {@link #check(RequestKind, String)}, parsing {@code text}'s UTF-8 bytes when the caller has them: Jackson's byte
     * parser reads them in place, where the String is first copied into a char buffer (the check measured as a tenth
     * of the accumulator's stream thread). Same outcome and messages ({@code ValidateFastPathTest} compares them):
     * the two parsers accept the same JSON, but word some syntax errors differently, so JSON the byte parser refuses
     * is parsed again from the String for the message, as it always was (rare: only invalid requests pay twice).
     *
     * @param length -1 when there are no bytes; else {@code text} is {@code utf8[offset, offset + length)}, well-formed UTF-8
     */
    static Checked check(RequestKind kind, String text, byte[] utf8, int offset, int length) {
        // The common request, valid and of the right shape as it is, without the parser (RequestJsonScanner).
        if (length >= 0 && RequestJsonScanner.acceptsAsIs(kind, utf8, offset, length)) {
            return new Checked(text, null);
        }
        if (readsAsText(utf8, offset, length)) {
            try (JsonParser parser = MAPPER.getFactory().createParser(utf8, offset, length)) {
                return checked(kind, text, parser);
            } catch (IOException e) {
                // Invalid JSON: worded by the String parser below.
            }
        }
        try (JsonParser parser = MAPPER.getFactory().createParser(text)) {
            return checked(kind, text, parser);
        } catch (JsonProcessingException e) {
            return invalid("field 'request' is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return invalid("field 'request' is not valid JSON: " + e.getMessage());
        }
    }

    /** @throws IOException when the parser finds {@code text} is not JSON */
    private static Checked checked(RequestKind kind, String text, JsonParser parser) throws IOException {
        // One streaming pass, no tree: this runs for every request, and building a tree of each 1 KB request
        // measured as a tenth of the accumulator's CPU.
        Problem problem = kind == RequestKind.EMBED ? checkEmbed(parser) : checkGenerate(parser);
        if (problem == null && parser.nextToken() != null) {
            problem = new Problem(
                    ErrorCode.INVALID_REQUEST,
                    "field 'request' has more after its JSON object (" + parser.getText() + ")");
        }
        if (problem != null) {
            return new Checked(null, problem);
        }
        // A raw line break can only be whitespace between tokens (inside strings it must be escaped): text without
        // one is already a valid JSONL line, so the common case costs no re-serialisation.
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return new Checked(text.strip(), null);
        }
        return new Checked(MAPPER.readTree(text).toString(), null);
    }

    /**
     * Whether Jackson's byte parser reads these bytes as the String parser reads their text. It first guesses the
     * encoding from the first four bytes: a UTF-8 byte order mark is skipped (the String parser refuses the character)
     * and zero bytes there mean UTF-16 or UTF-32. Neither guess is taken on such bytes: they go the String way.
     */
    private static boolean readsAsText(byte[] utf8, int offset, int length) {
        if (length < 0 || utf8 == null) {
            return false;
        }
        if (length > 0 && utf8[offset] == (byte) 0xEF) {
            return false;
        }
        for (int i = offset; i < offset + Math.min(4, length); i++) {
            if (utf8[i] == 0) {
                return false;
            }
        }
        return true;
    }

    private static Problem checkRoot(JsonParser p, String what) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            return new Problem(ErrorCode.INVALID_REQUEST, "field 'request' is empty: expected a JSON object");
        }
        if (first != JsonToken.START_OBJECT) {
            return new Problem(
                    ErrorCode.INVALID_REQUEST,
                    "field 'request' must be a JSON object (a " + what + "), found " + type(first));
        }
        return null;
    }

    private static Problem checkGenerate(JsonParser p) throws IOException {
        Problem problem = checkRoot(p, "GenerateContentRequest");
        if (problem != null) {
            return problem;
        }
        boolean contents = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("contents") && value != JsonToken.VALUE_NULL) {
                contents = true;
                if (value != JsonToken.START_ARRAY) {
                    return new Problem(
                            ErrorCode.INVALID_REQUEST,
                            "field 'request.contents' must be an array of Content objects, found " + type(value));
                }
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    problem = checkContent(p, "request.contents[" + i++ + "]");
                    if (problem != null) {
                        return problem;
                    }
                }
                if (i == 0) {
                    return new Problem(
                            ErrorCode.EMPTY_CONTENTS,
                            "field 'request.contents' is an empty array: nothing to generate from");
                }
            } else {
                problem = checkOptional(p, name, value, GENERATE_OPTIONAL);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return contents
                ? null
                : new Problem(
                        ErrorCode.INVALID_REQUEST,
                        "field 'request.contents' is missing: a "
                                + "GenerateContentRequest needs a non-empty array of Content objects");
    }

    private static Problem checkEmbed(JsonParser p) throws IOException {
        Problem problem = checkRoot(p, "EmbedContentRequest");
        if (problem != null) {
            return problem;
        }
        boolean content = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("content") && value != JsonToken.VALUE_NULL) {
                content = true;
                problem = checkContent(p, "request.content");
            } else {
                problem = checkOptional(p, name, value, EMBED_OPTIONAL);
            }
            if (problem != null) {
                return problem;
            }
        }
        return content
                ? null
                : new Problem(
                        ErrorCode.INVALID_REQUEST,
                        "field 'request.content' is missing: an "
                                + "EmbedContentRequest needs a Content object with parts");
    }

    /** The parser is on the token that starts a Content; on success it is left on the Content's end. */
    private static Problem checkContent(JsonParser p, String path) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            return new Problem(
                    ErrorCode.INVALID_REQUEST,
                    "field '" + path + "' must be a Content object, found " + type(p.currentToken()));
        }
        int parts = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("parts") && value != JsonToken.VALUE_NULL) {
                if (value != JsonToken.START_ARRAY) {
                    return new Problem(
                            ErrorCode.INVALID_REQUEST,
                            "field '" + path + ".parts' must be an array of Part objects, found " + type(value));
                }
                parts = 0;
                for (JsonToken part = p.nextToken(); part != JsonToken.END_ARRAY; part = p.nextToken()) {
                    if (part != JsonToken.START_OBJECT) {
                        return new Problem(
                                ErrorCode.INVALID_REQUEST,
                                "field '" + path + ".parts[" + parts + "]' must be a Part "
                                        + "object (e.g. {\"text\": ...}), found " + type(part));
                    }
                    p.skipChildren();
                    parts++;
                }
            } else if (name.equals("role") && value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
                return new Problem(
                        ErrorCode.INVALID_REQUEST, "field '" + path + ".role' must be a string, found " + type(value));
            } else {
                p.skipChildren();
            }
        }
        if (parts <= 0) {
            return new Problem(
                    ErrorCode.EMPTY_CONTENTS,
                    "field '" + path + ".parts' is " + (parts < 0 ? "missing" : "an empty array")
                            + ": a Content needs at least one part");
        }
        return null;
    }

    /** The parser is on the field's value; on return it is on the value's last token. */
    private static Problem checkOptional(JsonParser p, String name, JsonToken value, Map<String, String> expected)
            throws IOException {
        // proto3 JSON: the API takes a field by its lowerCamelCase or its snake_case name, so both are checked alike.
        String type = expected.get(name.indexOf('_') < 0 ? name : camelCase(name));
        if (type != null && value != JsonToken.VALUE_NULL) {
            boolean ok = switch (type) {
                case "object" -> value == JsonToken.START_OBJECT;
                case "array" -> value == JsonToken.START_ARRAY;
                case "string" -> value == JsonToken.VALUE_STRING;
                default -> isProto3Integer(p, value);
            };
            if (!ok) {
                return new Problem(
                        ErrorCode.INVALID_REQUEST,
                        "field 'request." + name + "' must be "
                                + ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type + ", found "
                                + type(value)
                                + (!"integer".equals(type)
                                        ? ""
                                        : value == JsonToken.VALUE_STRING
                                                ? " '" + p.getText() + "'"
                                                : value == JsonToken.VALUE_NUMBER_FLOAT ? " " + p.getText() : ""));
            }
        }
        p.skipChildren();
        return null;
    }

    /**
     * proto3 JSON takes an integer field as a number or as a string holding one, in any notation of a whole number
     * ({@code 8}, {@code "8"}, {@code 8.0}, {@code "8e0"}); a fraction or a string that is no number is refused.
     */
    private static boolean isProto3Integer(JsonParser p, JsonToken value) throws IOException {
        try {
            return switch (value) {
                case VALUE_NUMBER_INT -> true;
                case VALUE_NUMBER_FLOAT -> isWhole(p.getDecimalValue());
                case VALUE_STRING -> isWhole(new java.math.BigDecimal(p.getText()));
                default -> false;
            };
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isWhole(java.math.BigDecimal d) {
        return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
    }

    /** {@code output_dimensionality} → {@code outputDimensionality}: the lowerCamelCase name of a proto field. */
    static String camelCase(String snakeName) {
        StringBuilder sb = new StringBuilder(snakeName.length());
        boolean upper = false;
        for (int i = 0; i < snakeName.length(); i++) {
            char c = snakeName.charAt(i);
            if (c == '_') {
                upper = sb.length() > 0;
            } else {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return sb.toString();
    }

    private static String type(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }

    private static Checked invalid(String message) {
        return new Checked(null, new Problem(ErrorCode.INVALID_REQUEST, message));
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
