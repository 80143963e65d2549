package io.genaibatch.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * Plain JSON of an Avro record's fields, by walking its schema (not Avro's own JSON encoding, whose
 * union wrappers {@code {"string": "x"}} no producer in another language would write by hand):
 * <ul>
 *   <li>{@code [null, X]} unions are the plain X value, or null, or absent;</li>
 *   <li>enums are their symbol; maps are objects; arrays are arrays;</li>
 *   <li>bytes are base64 strings (standard alphabet with padding; URL-safe accepted on input);</li>
 *   <li>{@code timestamp-millis} longs are ISO-8601 UTC strings with milliseconds on output, and are
 *       accepted as any ISO-8601 instant (with Z or an offset) or as epoch milliseconds on input;</li>
 *   <li>string fields marked {@code "genai.json": true} hold REST JSON text: written as a nested JSON
 *       value, accepted as a JSON object or as a string containing a JSON object;</li>
 *   <li>a missing field takes its schema default; a missing field without default is an error naming it;
 *       unknown fields are ignored, so producers may send more than the schema knows.</li>
 * </ul>
 * Only the shapes our schemas use are supported; {@link #checkSupported(Schema)} refuses the rest when a
 * codec is built, not when the first record arrives.
 */
final class JsonRecordConverter {
    /** The schema property that marks a string field as carrying JSON text. */
    static final String JSON_TEXT_PROPERTY = "genai.json";

    // Always three fraction digits, so every timestamp in our JSON has the same shape.
    private static final DateTimeFormatter ISO_MILLIS =
            new DateTimeFormatterBuilder().appendInstant(3).toFormatter();
    private static final int MAX_SHOWN_CHARS = 40;
    private static final Pattern SOURCE_LOCATION = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)]");

    private final SpecificData model;
    private final ObjectMapper mapper;

    JsonRecordConverter(SpecificData model) {
        this.model = model;
        this.mapper = newMapper();
    }

    /**
     * The mapper for record JSON and for the REST JSON nested in it. Numbers in REST JSON (embedding
     * values, temperatures) are kept as the exact decimal text they came with, so converting between
     * the two encodings never rounds them. Strings may be as long as a record: Kafka's max record size
     * bounds the input already, and inline image data in a request is one long string.
     */
    private static ObjectMapper newMapper() {
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength(Integer.MAX_VALUE)
                        .build())
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                .build();
    }

    /** The UTF-8 JSON of a record; see {@link #toJson(IndexedRecord)}. */
    byte[] write(IndexedRecord record) {
        try {
            return mapper.writeValueAsBytes(toJson(record));
        } catch (JsonProcessingException e) {
            // Only trees we built ourselves are written, and Jackson can always write those.
            throw new IllegalStateException(
                    "cannot write JSON of " + record.getSchema().getName(), e);
        }
    }

    /** The record of {@code schema} that UTF-8 JSON bytes describe; see {@link #fromJson(JsonNode, Schema)}. */
    Object read(byte[] bytes, Schema schema) throws InvalidJsonException {
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InvalidJsonException("malformed JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + parserMessage(e));
        } catch (IOException e) {
            throw new InvalidJsonException("malformed JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidJsonException("expected a JSON object, found no JSON value");
        }
        return fromJson(root, schema);
    }

    /** Refuses schema shapes this converter cannot map both ways, naming where they are. */
    static void checkSupported(Schema schema) {
        checkSupported(schema, schema.getName(), Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static void checkSupported(Schema schema, String path, Set<Schema> seen) {
        LogicalType logical = schema.getLogicalType();
        if (logical != null && !(logical instanceof LogicalTypes.TimestampMillis)) {
            throw new IllegalArgumentException(
                    path + ": logical type " + logical.getName() + " is not supported by the JSON codec");
        }
        switch (schema.getType()) {
            case RECORD -> {
                if (seen.add(schema)) {
                    for (Schema.Field field : schema.getFields()) {
                        checkSupported(field.schema(), path + "." + field.name(), seen);
                    }
                }
            }
            case UNION -> {
                List<Schema> types = schema.getTypes();
                if (types.size() != 2 || types.get(0).getType() != Schema.Type.NULL) {
                    throw new IllegalArgumentException(
                            path + ": only [null, X] unions are supported by the JSON codec, found " + schema);
                }
                checkSupported(types.get(1), path, seen);
            }
            case MAP -> checkSupported(schema.getValueType(), path + "{}", seen);
            case ARRAY -> checkSupported(schema.getElementType(), path + "[]", seen);
            case FIXED -> throw new IllegalArgumentException(path + ": fixed is not supported by the JSON codec");
            default -> {}
        }
    }

    // ---------------------------------------------------------------- record -> JSON

    /**
     * The JSON object of a record, every field present (null where null), so consumers see a stable shape.
     *
     * @throws IllegalArgumentException when a field without a null branch holds null
     */
    ObjectNode toJson(IndexedRecord record) {
        return (ObjectNode)
                toJson(record, record.getSchema(), record.getSchema().getName(), false);
    }

    private JsonNode toJson(Object value, Schema schema, String path, boolean jsonText) {
        JsonNodeFactory nodes = mapper.getNodeFactory();
        if (value == null) {
            if (schema.getType() == Schema.Type.UNION || schema.getType() == Schema.Type.NULL) {
                return nodes.nullNode();
            }
            throw new IllegalArgumentException("field '" + path + "' is null but the schema requires a "
                    + schema.getType().getName());
        }
        return switch (schema.getType()) {
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) value;
                ObjectNode object = nodes.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    object.set(
                            field.name(),
                            toJson(
                                    record.get(field.pos()),
                                    field.schema(),
                                    path + "." + field.name(),
                                    isJsonText(field)));
                }
                yield object;
            }
            case UNION -> toJson(value, schema.getTypes().get(1), path, jsonText);
            case STRING -> jsonText ? nestedJson(value.toString()) : nodes.textNode(value.toString());
            case BYTES -> nodes.textNode(Base64.getEncoder().encodeToString(toByteArray((ByteBuffer) value)));
            case INT -> nodes.numberNode((Integer) value);
            case LONG ->
                isTimestamp(schema)
                        ? nodes.textNode(ISO_MILLIS.format(
                                value instanceof Instant instant ? instant : Instant.ofEpochMilli((Long) value)))
                        : nodes.numberNode((Long) value);
            case FLOAT -> nodes.numberNode((Float) value);
            case DOUBLE -> nodes.numberNode((Double) value);
            case BOOLEAN -> nodes.booleanNode((Boolean) value);
            case ENUM -> nodes.textNode(value.toString());
            case MAP -> {
                ObjectNode object = nodes.objectNode();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    String key = entry.getKey().toString();
                    object.set(key, toJson(entry.getValue(), schema.getValueType(), path + "['" + key + "']", false));
                }
                yield object;
            }
            case ARRAY -> {
                ArrayNode array = nodes.arrayNode();
                int i = 0;
                for (Object element : (Iterable<?>) value) {
                    array.add(toJson(element, schema.getElementType(), path + "[" + i++ + "]", false));
                }
                yield array;
            }
            case NULL -> nodes.nullNode();
            case FIXED -> throw new IllegalStateException("unreachable: checkSupported refuses fixed");
        };
    }

    /**
     * REST JSON text as a nested value. Text that is not JSON (it never should be: the service only stores
     * what it parsed or what the API returned) stays a plain string, so encoding never loses it.
     */
    private JsonNode nestedJson(String text) {
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            return mapper.getNodeFactory().textNode(text);
        }
    }

    private static byte[] toByteArray(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate(); // reading must not move the record's own buffer
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    // ---------------------------------------------------------------- JSON -> record

    /** A JSON value does not fit the schema; the message names the field, what was expected and found. */
    static final class InvalidJsonException extends Exception {
        InvalidJsonException(String message) {
            super(message);
        }
    }

    /** The record of {@code schema} (an instance of its generated class) that a JSON object describes. */
    Object fromJson(JsonNode root, Schema schema) throws InvalidJsonException {
        if (!root.isObject()) {
            throw new InvalidJsonException("expected a JSON object, found " + describe(root));
        }
        return fromJson(root, schema, "", false);
    }

    private Object fromJson(JsonNode node, Schema schema, String path, boolean jsonText) throws InvalidJsonException {
        return switch (schema.getType()) {
            case RECORD -> {
                if (!node.isObject()) {
                    throw mismatch(path, "an object", node);
                }
                IndexedRecord record = (IndexedRecord) model.newRecord(null, schema);
                for (Schema.Field field : schema.getFields()) {
                    String fieldPath = path.isEmpty() ? field.name() : path + "." + field.name();
                    JsonNode child = node.get(field.name());
                    boolean nullable = field.schema().getType() == Schema.Type.UNION;
                    if (child == null || (child.isNull() && !nullable)) {
                        if (!field.hasDefaultValue()) {
                            throw new InvalidJsonException(
                                    "field '" + fieldPath + "' is required" + (child == null ? "" : ", found null"));
                        }
                        record.put(field.pos(), defaultValue(field, fieldPath));
                    } else {
                        record.put(field.pos(), fromJson(child, field.schema(), fieldPath, isJsonText(field)));
                    }
                }
                yield record;
            }
            case UNION ->
                node.isNull() ? null : fromJson(node, schema.getTypes().get(1), path, jsonText);
            case STRING -> jsonText ? jsonText(node, path) : text(node, path);
            case BYTES -> {
                String text = text(node, path, "a base64 string");
                try {
                    boolean urlSafe = text.indexOf('-') >= 0 || text.indexOf('_') >= 0;
                    yield ByteBuffer.wrap((urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(text));
                } catch (IllegalArgumentException e) {
                    throw new InvalidJsonException("JSON field '" + path + "': expected a base64 string, found "
                            + describe(node) + " (" + e.getMessage() + ")");
                }
            }
            case INT -> {
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    throw mismatch(path, "an integer (32-bit)", node);
                }
                yield node.intValue();
            }
            case LONG -> isTimestamp(schema) ? timestamp(node, path) : longValue(node, path);
            case FLOAT -> {
                if (!node.isNumber()) {
                    throw mismatch(path, "a number", node);
                }
                yield node.floatValue();
            }
            case DOUBLE -> {
                if (!node.isNumber()) {
                    throw mismatch(path, "a number", node);
                }
                yield node.doubleValue();
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw mismatch(path, "true or false", node);
                }
                yield node.booleanValue();
            }
            case ENUM -> {
                if (!node.isTextual() || !schema.hasEnumSymbol(node.textValue())) {
                    throw mismatch(path, "one of " + String.join(", ", schema.getEnumSymbols()), node);
                }
                yield model.createEnum(node.textValue(), schema);
            }
            case MAP -> {
                if (!node.isObject()) {
                    throw mismatch(path, "an object", node);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> entry : node.properties()) {
                    map.put(
                            entry.getKey(),
                            fromJson(
                                    entry.getValue(),
                                    schema.getValueType(),
                                    path + "['" + entry.getKey() + "']",
                                    false));
                }
                yield map;
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw mismatch(path, "an array", node);
                }
                List<Object> list = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    list.add(fromJson(node.get(i), schema.getElementType(), path + "[" + i + "]", false));
                }
                yield list;
            }
            case NULL -> {
                if (!node.isNull()) {
                    throw mismatch(path, "null", node);
                }
                yield null;
            }
            case FIXED -> throw new IllegalStateException("unreachable: checkSupported refuses fixed");
        };
    }

    /**
     * A field's default as a fresh value of the generated type, by reading its JSON through the same
     * conversion as any input (so a default map is a new mutable map, not one shared between records).
     */
    private Object defaultValue(Schema.Field field, String path) throws InvalidJsonException {
        Object avroDefault = field.defaultVal();
        JsonNode node = avroDefault == JsonProperties.NULL_VALUE
                ? mapper.getNodeFactory().nullNode()
                : mapper.valueToTree(avroDefault);
        return fromJson(node, field.schema(), path, false);
    }

    private String text(JsonNode node, String path) throws InvalidJsonException {
        return text(node, path, "a string");
    }

    private String text(JsonNode node, String path, String expected) throws InvalidJsonException {
        if (!node.isTextual()) {
            throw mismatch(path, expected, node);
        }
        return node.textValue();
    }

    /** REST JSON: a nested object is stored as compact text; a string must already hold a JSON object. */
    private String jsonText(JsonNode node, String path) throws InvalidJsonException {
        if (node.isObject()) {
            return node.toString();
        }
        if (node.isTextual()) {
            JsonNode parsed;
            try {
                parsed = mapper.readTree(node.textValue());
            } catch (JsonProcessingException e) {
                throw new InvalidJsonException("JSON field '" + path
                        + "': expected a JSON object or a string containing one, found a string that is not JSON ("
                        + parserMessage(e) + ")");
            }
            if (parsed == null || !parsed.isObject()) {
                throw new InvalidJsonException("JSON field '" + path
                        + "': expected a JSON object or a string containing one, found a string containing "
                        + (parsed == null || parsed.isMissingNode() ? "nothing" : describe(parsed)));
            }
            return node.textValue();
        }
        throw mismatch(path, "a JSON object", node);
    }

    private Long longValue(JsonNode node, String path) throws InvalidJsonException {
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw mismatch(path, "an integer (64-bit)", node);
        }
        return node.longValue();
    }

    /** Truncated to milliseconds, so a record reads the same whichever encoding carried it. */
    private Instant timestamp(JsonNode node, String path) throws InvalidJsonException {
        String expected = "an ISO-8601 timestamp like 2025-01-31T12:00:00Z, or epoch milliseconds";
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return Instant.ofEpochMilli(node.longValue());
        }
        if (node.isTextual()) {
            try {
                return Instant.parse(node.textValue()).truncatedTo(ChronoUnit.MILLIS);
            } catch (DateTimeParseException e) {
                throw mismatch(path, expected, node);
            }
        }
        throw mismatch(path, expected, node);
    }

    private static InvalidJsonException mismatch(String path, String expected, JsonNode found) {
        return new InvalidJsonException(
                "JSON field '" + path + "': expected " + expected + ", found " + describe(found));
    }

    /** A short, printable description of a JSON value for an error message. */
    static String describe(JsonNode node) {
        if (node.isTextual()) {
            String text = node.textValue();
            return "'" + (text.length() > MAX_SHOWN_CHARS ? text.substring(0, MAX_SHOWN_CHARS) + "..." : text) + "'";
        }
        if (node.isNumber()) {
            return "number " + node.asText();
        }
        if (node.isBoolean()) {
            return node.asText();
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isArray()) {
            return "a JSON array";
        }
        if (node.isObject()) {
            return "a JSON object";
        }
        return node.getNodeType().name().toLowerCase();
    }

    /**
     * Jackson's own words without its source dump: "(for Array starting at [Source: REDACTED (...);
     * line: 1, column: 10])" becomes "(for Array starting at line 1, column 10)".
     */
    private static String parserMessage(JsonProcessingException e) {
        return SOURCE_LOCATION.matcher(firstLine(e.getOriginalMessage())).replaceAll("line $1, column $2");
    }

    static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }

    private static boolean isTimestamp(Schema schema) {
        return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis;
    }

    private static boolean isJsonText(Schema.Field field) {
        return Boolean.TRUE.equals(field.getObjectProp(JSON_TEXT_PROPERTY));
    }
}
