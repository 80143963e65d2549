package io.genaibatch.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.genai.types.Content;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.InlinedRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns an inline spool file ({@code {"key": "...", "request": {REST GenerateContentRequest}}} per line)
 * into the SDK's {@link InlinedRequest}s, the key going to {@code metadata.key}.
 *
 * <p>The SDK takes a flattened {@code GenerateContentConfig} and rebuilds the REST request from it; its
 * JSON reader silently drops fields it does not know. So every converted request is compared with its
 * source, field by field, and a request the SDK would change is refused with the path of the field:
 * such a batch must go as a file, where the request travels byte for byte.
 */
final class InlineRequests {
    /** The REST request's top-level fields that the SDK's config carries (beside contents). */
    private static final Set<String> CONFIG_FIELDS =
            Set.of("systemInstruction", "tools", "toolConfig", "safetySettings", "cachedContent");

    private InlineRequests() {}

    /** All requests of the spool, in order. The spool is bounded by the inline limit, so the list is too. */
    static List<InlinedRequest> read(Path spool, long maxBytes) throws IOException {
        long size = Files.size(spool);
        if (size > maxBytes) {
            throw new IllegalArgumentException("inline spool " + spool + " has " + size + " bytes, more than the"
                    + " inline limit of " + maxBytes + ": upload it as a file and create the job from the file");
        }
        List<InlinedRequest> out = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        try (BufferedReader in = Files.newBufferedReader(spool, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = OperationJson.MAPPER.readTree(line);
                String where = spool.getFileName() + " line " + lineNo;
                String key = node.path("key").isTextual() ? node.path("key").asText() : null;
                if (key == null || key.isEmpty()) {
                    throw new IllegalArgumentException(where + ": expected a non-empty string \"key\"");
                }
                if (!keys.add(key)) {
                    throw new IllegalArgumentException(
                            where + ": key '" + key + "' appears twice; keys must be" + " unique within a batch");
                }
                out.add(convert(node.path("request"), key, where + " (key " + key + ")"));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("inline spool " + spool + " has no request");
        }
        return out;
    }

    static InlinedRequest convert(JsonNode request, String key, String where) throws IOException {
        if (!request.isObject()) {
            throw new IllegalArgumentException(where + ": expected \"request\" to be an object");
        }
        JsonNode contents = request.path("contents");
        if (!contents.isArray() || contents.isEmpty()) {
            throw new IllegalArgumentException(where + ": expected a non-empty \"contents\" array");
        }
        List<Content> sdkContents = new ArrayList<>();
        for (int i = 0; i < contents.size(); i++) {
            Content c = Content.fromJson(contents.get(i).toString());
            requireSame(where, "contents[" + i + "]", contents.get(i), OperationJson.MAPPER.readTree(c.toJson()));
            sdkContents.add(c);
        }
        ObjectNode flat = OperationJson.MAPPER.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = request.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            if (field.equals("contents")) {
                continue;
            }
            if (field.equals("generationConfig") && e.getValue().isObject()) {
                flat.setAll((ObjectNode) e.getValue());
            } else if (CONFIG_FIELDS.contains(field)) {
                flat.set(field, e.getValue());
            } else {
                throw new IllegalArgumentException(where + ": field \"" + field + "\" cannot be sent inline through"
                        + " the SDK; submit this batch as a file");
            }
        }
        InlinedRequest.Builder b =
                InlinedRequest.builder().contents(sdkContents).metadata(Map.of("key", key));
        if (!flat.isEmpty()) {
            GenerateContentConfig config = GenerateContentConfig.fromJson(flat.toString());
            requireSame(where, "config", flat, OperationJson.MAPPER.readTree(config.toJson()));
            b.config(config);
        }
        return b.build();
    }

    /** Every field of {@code source} must come out of the SDK with the same value. */
    private static void requireSame(String where, String path, JsonNode source, JsonNode converted) {
        if (source.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = converted == null ? null : converted.get(e.getKey());
                if (other == null && !e.getValue().isNull()) {
                    throw new IllegalArgumentException(where + ": field " + path + "." + e.getKey()
                            + " is not known to the SDK and would be dropped; submit this batch as a file");
                }
                if (other != null) {
                    requireSame(where, path + "." + e.getKey(), e.getValue(), other);
                }
            }
        } else if (source.isArray()) {
            if (converted == null || !converted.isArray() || converted.size() != source.size()) {
                throw new IllegalArgumentException(
                        where + ": " + path + " would not reach the API unchanged;" + " submit this batch as a file");
            }
            for (int i = 0; i < source.size(); i++) {
                requireSame(where, path + "[" + i + "]", source.get(i), converted.get(i));
            }
        } else if (source.isNumber()) {
            if (converted == null
                    || !converted.isNumber()
                    || Math.abs(source.doubleValue() - converted.doubleValue())
                            > 1e-6 * Math.max(1, Math.abs(source.doubleValue()))) {
                throw new IllegalArgumentException(where + ": " + path + " = " + source + " would reach the API as "
                        + converted + "; submit this batch as a file");
            }
        } else if (!source.equals(converted)
                && !(source.isTextual() && converted != null && source.asText().equalsIgnoreCase(converted.asText()))) {
            // Enums may come back in another case (e.g. "text" vs "TEXT"); any other change is a loss.
            throw new IllegalArgumentException(where + ": " + path + " = " + source + " would reach the API as "
                    + converted + "; submit this batch as a file");
        }
    }
}
