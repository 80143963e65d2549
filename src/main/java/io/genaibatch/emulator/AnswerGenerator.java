package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.SplittableRandom;

/**
 * The deterministic "model": {@code echo: } + the text of the last content for generation, and a unit
 * vector seeded by the text for embeddings. Token counts are whitespace-separated words, so a test can
 * compute them by hand. A request it cannot answer throws {@link ErrorAnswer} (becoming a per-request error).
 */
final class AnswerGenerator {
    static final int MAX_DIMENSION = 65536;
    /**
     * The largest answer size, by option or marker (a larger marker is capped): far past any real answer (65,536
     * output tokens at most), and below the 20 M characters to which common JSON readers (Jackson's default) cap
     * one string, so that an oversized answer tests record limits, not a reader's.
     */
    static final int MAX_ANSWER_BYTES = 16_000_000;

    private final int defaultDimension;
    /** Minimum answer length when the prompt asks for none; 0 = the echo as it is. */
    private final int answerBytes;

    AnswerGenerator(int defaultDimension, int answerBytes) {
        this.defaultDimension = defaultDimension;
        this.answerBytes = answerBytes;
    }

    /** A GenerateContentResponse for a GenerateContentRequest. */
    ObjectNode generate(JsonNode request, String model, String responseId) {
        JsonNode contents = request == null ? null : request.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            throw ErrorAnswer.invalidArgument("* GenerateContentRequest.contents: contents is not specified");
        }
        long promptTokens = 0;
        for (JsonNode content : contents) {
            promptTokens += partWords(content);
        }
        promptTokens += partWords(Json.field(request, "systemInstruction"));
        String answer = padded("echo: " + textOf(contents.get(contents.size() - 1)), answerBytes);
        long answerTokens = words(answer);

        ObjectNode response = Json.object();
        ObjectNode candidate = response.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.put("role", "model");
        content.putArray("parts").addObject().put("text", answer);
        candidate.put("finishReason", "STOP");
        candidate.put("index", 0);
        response.putObject("usageMetadata")
                .put("promptTokenCount", promptTokens)
                .put("candidatesTokenCount", answerTokens)
                .put("totalTokenCount", promptTokens + answerTokens);
        response.put("modelVersion", bareModel(model));
        response.put("responseId", responseId);
        return response;
    }

    /**
     * The answer padded with filler words to at least {@code defaultTarget} characters, or to N when the prompt
     * carries {@code [emulator:answer-bytes=N]} (one request's way to a response larger than Kafka's record limit,
     * where the option makes every answer that large). The filler is ASCII, so characters are bytes.
     */
    static String padded(String answer, int defaultTarget) {
        java.util.regex.Matcher m = ANSWER_BYTES.matcher(answer);
        int target = m.find() ? Math.min(Integer.parseInt(m.group(1)), MAX_ANSWER_BYTES) : defaultTarget;
        if (target <= answer.length()) {
            return answer;
        }
        StringBuilder b = new StringBuilder(Math.max(target, answer.length()) + 8).append(answer);
        while (b.length() < target) {
            b.append(" filler");
        }
        return b.toString();
    }

    private static final java.util.regex.Pattern ANSWER_BYTES =
            java.util.regex.Pattern.compile("\\[emulator:answer-bytes=(\\d{1,9})]");

    /** An EmbedContentResponse ({@code {"embedding": {"values": [..]}}}) for an EmbedContentRequest. */
    ObjectNode embed(JsonNode request) {
        JsonNode content = request == null ? null : request.get("content");
        if (content == null || !content.isObject()) {
            throw ErrorAnswer.invalidArgument("* EmbedContentRequest.content: content is not specified");
        }
        int dimension = defaultDimension;
        JsonNode dim = Json.field(request, "outputDimensionality");
        if (dim != null && !dim.isNull()) {
            Long asked = Json.integer(dim);
            if (asked == null || asked < 1 || asked > MAX_DIMENSION) {
                throw ErrorAnswer.invalidArgument("* EmbedContentRequest.outputDimensionality: must be in [1, "
                        + MAX_DIMENSION + "], found " + dim);
            }
            dimension = asked.intValue();
        }
        float[] vector = vector(textOf(content), dimension);
        ObjectNode response = Json.object();
        ArrayNode values = response.putObject("embedding").putArray("values");
        for (float v : vector) {
            values.add(v);
        }
        return response;
    }

    /** A unit vector that depends only on the text and the dimension. */
    static float[] vector(String text, int dimension) {
        SplittableRandom random = new SplittableRandom(Hashing.sha64(text));
        double[] raw = new double[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++) {
            raw[i] = random.nextDouble() * 2 - 1;
            norm += raw[i] * raw[i];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            out[i] = (float) (raw[i] / norm);
        }
        return out;
    }

    /** The concatenated text parts of one Content, "" when it has none. */
    static String textOf(JsonNode content) {
        if (content == null || !content.isObject()) {
            return "";
        }
        JsonNode parts = content.get("parts");
        if (parts == null || !parts.isArray()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : parts) {
            JsonNode text = part.get("text");
            if (text != null && text.isTextual()) {
                sb.append(text.asText());
            }
        }
        return sb.toString();
    }

    /** Words of each text part counted apart: two parts "a" and "b" are two words, not "ab". */
    static long partWords(JsonNode content) {
        if (content == null
                || !content.isObject()
                || content.get("parts") == null
                || !content.get("parts").isArray()) {
            return 0;
        }
        long n = 0;
        for (JsonNode part : content.get("parts")) {
            JsonNode text = part.get("text");
            if (text != null && text.isTextual()) {
                n += words(text.asText());
            }
        }
        return n;
    }

    static long words(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    static String bareModel(String model) {
        return model.startsWith("models/") ? model.substring("models/".length()) : model;
    }
}
