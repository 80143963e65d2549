package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.records.RequestKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scanner only ever accepts what the JSON check (Jackson, strict, duplicate names refused) accepts as it is:
 * checked on hand-picked requests, on generated ones and on thousands of corrupted copies of them.
 */
class RequestJsonScannerTest {
    private static final String CONTENTS = "\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]";
    private static final String CONTENT = "\"content\":{\"parts\":[{\"text\":\"hi\"}]}";

    /** Requests the check accepts as they are, and that the scanner must accept too (the common shapes). */
    private static final List<String> COMMON = List.of(
            "{" + CONTENTS + "}",
            "{" + CONTENTS + ",\"generationConfig\":{\"temperature\":0.2}}",
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Grüße 🌍 日本語 \\n \\\" \\\\ \\/ \\u00e9\"}]},"
                    + "{\"role\":\"model\",\"parts\":[{\"text\":\"a\"},{\"inlineData\":{\"mimeType\":\"image/png\","
                    + "\"data\":\"AAAA\"}}]}],\"systemInstruction\":{\"parts\":[{\"text\":\"be brief\"}]},"
                    + "\"safetySettings\":[{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"threshold\":\"BLOCK_NONE\"}],"
                    + "\"tools\":[],\"toolConfig\":{},\"cachedContent\":\"c/1\",\"labels\":{\"a\":\"b\"},"
                    + "\"generationConfig\":{\"temperature\":1.5e-3,\"topK\":-0,\"stop\":[true,false,null],"
                    + "\"x\":{\"y\":[[],{}]}}}",
            "{ \"contents\" : [ { \"parts\" : [ { \"text\" : \"spaced\" } ] } ] , \"tools\" : null }",
            "{\t\"contents\":[{\"parts\":[{}],\"role\":null}]}",
            "{" + CONTENT + "}",
            "{" + CONTENT + ",\"taskType\":\"RETRIEVAL_QUERY\",\"title\":\"t\",\"outputDimensionality\":768}",
            "{" + CONTENT + ",\"outputDimensionality\":null,\"future\":[1,2.5,-3e+2]}");

    /** Requests the scanner leaves to the check, whatever the check says of them. */
    private static final List<String> LEFT_TO_THE_CHECK = List.of(
            " {" + CONTENTS + "}",
            "{" + CONTENTS + "} ",
            "{\n" + CONTENTS + "}",
            "{\r" + CONTENTS + "}",
            "{" + CONTENTS + ",\"generation_config\":{}}",
            "{\"cont\\u0065nts\":[{\"parts\":[{\"text\":\"a\"}]}]}",
            "{" + CONTENTS + ",\"a\":1,\"\\u0061\":2}",
            "{" + CONTENTS + ",\"a\":1,\"a\":2}",
            "{" + CONTENTS + ",\"x\":{\"a\":1,\"a\":2}}",
            "{" + CONTENTS + ",\"contents\":[]}",
            "{\"contents\":[{\"parts\":[{\"t\":1,\"t\":2}]}]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}],\"parts\":[{\"text\":\"a\"}]}]}",
            "{\"contents\":[]}",
            "{\"contents\":null}",
            "{\"contents\":[{\"parts\":[]}]}",
            "{\"contents\":[{\"parts\":null}]}",
            "{\"contents\":[{\"parts\":[1]}]}",
            "{\"contents\":[{\"role\":1,\"parts\":[{}]}]}",
            "{\"contents\":[{}]}",
            "{\"contents\":[1]}",
            "{\"contents\":{}}",
            "{}",
            "{" + CONTENTS + ",\"tools\":{}}",
            "{" + CONTENTS + ",\"generationConfig\":[]}",
            "{" + CONTENTS + ",\"cachedContent\":1}",
            "{" + CONTENT + ",\"outputDimensionality\":\"8\"}",
            "{" + CONTENT + ",\"outputDimensionality\":8.0}",
            "{" + CONTENT + ",\"outputDimensionality\":8e0}",
            "{" + CONTENT + ",\"title\":3}",
            "{\"content\":null}",
            "{" + CONTENTS + ",\"n\":01}",
            "{" + CONTENTS + ",\"n\":-}",
            "{" + CONTENTS + ",\"n\":1.}",
            "{" + CONTENTS + ",\"n\":.5}",
            "{" + CONTENTS + ",\"n\":+1}",
            "{" + CONTENTS + ",\"n\":1e}",
            "{" + CONTENTS + ",\"n\":NaN}",
            "{" + CONTENTS + ",\"n\":Infinity}",
            "{" + CONTENTS + ",\"n\":" + "9".repeat(2000) + "}",
            "{" + CONTENTS + ",\"n\":tru}",
            "{" + CONTENTS + ",\"n\":truex}",
            "{" + CONTENTS + ",\"n\":nul}",
            "{" + CONTENTS + ",\"n\":\"\\q\"}",
            "{" + CONTENTS + ",\"n\":\"\\u12G4\"}",
            "{" + CONTENTS + ",\"n\":\"\\u12\"}",
            "{" + CONTENTS + ",\"n\":\"ctl \u0001\"}",
            "{" + CONTENTS + ",\"n\":\"tab \t\"}",
            "{" + CONTENTS + ",\"n\":\"unclosed}",
            "{" + CONTENTS + ",}",
            "{" + CONTENTS + ",\"a\":[1,]}",
            "{" + CONTENTS + ",\"a\" 1}",
            "{" + CONTENTS + ",a:1}",
            "{" + CONTENTS + ",'a':1}",
            "{" + CONTENTS + "}}",
            "{" + CONTENTS + "}{}",
            "{" + CONTENTS + ",\"a\":[}",
            "{/*c*/" + CONTENTS + "}",
            "{" + CONTENTS + ",\"a\":" + "[".repeat(100) + "]".repeat(100) + "}",
            "{" + CONTENTS + ",\"a\":" + "[".repeat(600) + "]".repeat(600) + "}",
            // Past the parser's nesting limit (1000): the check refuses it, so must the scanner.
            "{" + CONTENTS + ",\"a\":" + "[".repeat(1001) + "]".repeat(1001) + "}",
            "{" + CONTENTS + ",\"" + "n".repeat(60_000) + "\":1}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]\u0000}",
            "\ufeff{" + CONTENTS + "}",
            "{" + CONTENTS + ",\"\u00e9\":1,\"e\u0301\":2}");

    @Test
    void shouldAcceptTheCommonRequestsAsTheCheckDoes() {
        for (String json : COMMON) {
            RequestKind kind = json.contains("\"content\"") ? RequestKind.EMBED : RequestKind.GENERATE;
            assertThat(accepts(kind, json)).as(json).isTrue();
            assertSameAsTheCheck(kind, json);
        }
    }

    @Test
    void shouldNeverAcceptWhatTheCheckRefusesOrRewrites() {
        for (String json : LEFT_TO_THE_CHECK) {
            for (RequestKind kind : RequestKind.values()) {
                assertSameAsTheCheck(kind, json);
            }
        }
        // Those the scanner leaves to the check although the check accepts them as they are (less common spellings).
        for (String json : List.of(
                "{\"cont\\u0065nts\":[{\"parts\":[{\"text\":\"a\"}]}]}",
                "{" + CONTENTS + ",\"generation_config\":{}}",
                "{" + CONTENT + ",\"outputDimensionality\":\"8\"}")) {
            RequestKind kind = json.contains("\"content\"") ? RequestKind.EMBED : RequestKind.GENERATE;
            assertThat(RequestJson.check(kind, json).oneLine()).isEqualTo(json);
            assertThat(accepts(kind, json)).isFalse();
        }
    }

    @Test
    void shouldAgreeWithTheCheckOnGeneratedAndCorruptedRequests() {
        Random random = new Random(17);
        int accepted = 0;
        int checked = 0;
        List<String> all = new ArrayList<>(COMMON);
        all.addAll(LEFT_TO_THE_CHECK.subList(0, 40));
        for (int i = 0; i < 3000; i++) {
            all.add(request(random, i % 2 == 0 ? RequestKind.GENERATE : RequestKind.EMBED));
        }
        String alphabet = "{}[]:,\" \\\n\t0-.e+ntrufalsé🌍\u0001";
        for (String json : all) {
            for (RequestKind kind : RequestKind.values()) {
                accepted += assertSameAsTheCheck(kind, json) ? 1 : 0;
                checked++;
                for (int k = 0; k < 6; k++) {
                    StringBuilder corrupted = new StringBuilder(json);
                    int at = random.nextInt(corrupted.length() + 1);
                    switch (random.nextInt(3)) {
                        case 0 -> corrupted.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                        case 1 -> {
                            if (at < corrupted.length() && !Character.isSurrogate(corrupted.charAt(at))) {
                                corrupted.deleteCharAt(at);
                            }
                        }
                        default -> {
                            if (at < corrupted.length() && !Character.isSurrogate(corrupted.charAt(at))) {
                                corrupted.setCharAt(at, "{}[]:,\" \\0e".charAt(random.nextInt(11)));
                            }
                        }
                    }
                    accepted += assertSameAsTheCheck(kind, corrupted.toString()) ? 1 : 0;
                    checked++;
                }
            }
        }
        assertThat(accepted).as("accepted by the scanner, of " + checked).isGreaterThan(1000);
    }

    /** Asserts that an acceptance by the scanner is the check's outcome; returns whether the scanner accepted. */
    private static boolean assertSameAsTheCheck(RequestKind kind, String json) {
        boolean accepts = accepts(kind, json);
        if (accepts) {
            RequestJson.Checked checked = RequestJson.check(kind, json);
            assertThat(checked.problem()).as(json).isNull();
            assertThat(checked.oneLine()).as(json).isEqualTo(json);
        }
        return accepts;
    }

    private static boolean accepts(RequestKind kind, String json) {
        byte[] utf8 = ("xx" + json + "y").getBytes(StandardCharsets.UTF_8);
        int length = json.getBytes(StandardCharsets.UTF_8).length;
        return RequestJsonScanner.acceptsAsIs(kind, utf8, 2, length);
    }

    /** A request of the kind's shape, with random optional fields, values, escapes and spacing. */
    private static String request(Random random, RequestKind kind) {
        StringBuilder sb = new StringBuilder("{");
        List<String> fields = new ArrayList<>();
        if (kind == RequestKind.GENERATE) {
            StringBuilder contents = new StringBuilder("\"contents\":[");
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                contents.append(i > 0 ? "," : "").append(content(random));
            }
            fields.add(contents.append(']').toString());
            for (String name : List.of("generationConfig", "tools", "cachedContent", "labels", "systemInstruction")) {
                if (random.nextInt(3) == 0) {
                    fields.add("\"" + name + "\":" + value(random, 2));
                }
            }
        } else {
            fields.add("\"content\":" + content(random));
            for (String name : List.of("taskType", "title", "outputDimensionality")) {
                if (random.nextInt(3) == 0) {
                    fields.add("\"" + name + "\":" + value(random, 0));
                }
            }
        }
        if (random.nextInt(4) == 0) {
            fields.add("\"" + string(random) + "\":" + value(random, 3));
        }
        java.util.Collections.shuffle(fields, random);
        String space = random.nextInt(4) == 0 ? " " : "";
        sb.append(String.join("," + space, fields)).append('}');
        return sb.toString();
    }

    private static String content(Random random) {
        StringBuilder parts = new StringBuilder("[");
        int n = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            parts.append(i > 0 ? "," : "")
                    .append("{\"text\":\"")
                    .append(string(random))
                    .append("\"}");
        }
        parts.append(']');
        List<String> fields = new ArrayList<>();
        fields.add("\"parts\":" + parts);
        if (random.nextBoolean()) {
            fields.add("\"role\":" + (random.nextInt(4) == 0 ? value(random, 0) : "\"user\""));
        }
        java.util.Collections.shuffle(fields, random);
        return "{" + String.join(",", fields) + "}";
    }

    private static String value(Random random, int depth) {
        int choice = random.nextInt(depth > 0 ? 8 : 6);
        return switch (choice) {
            case 0 -> "\"" + string(random) + "\"";
            case 1 ->
                List.of("0", "-0", "12", "-7", "3.25", "1e5", "-2.5E-3", "768", "1.0", "\"8\"")
                        .get(random.nextInt(10));
            case 2 -> List.of("true", "false", "null").get(random.nextInt(3));
            case 3 -> "\"" + string(random) + "\"";
            case 4 -> "null";
            case 5 -> "{}";
            case 6 -> {
                StringBuilder o = new StringBuilder("{");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    o.append(i > 0 ? "," : "")
                            .append('"')
                            .append(random.nextInt(6) == 0 ? "k" : "k" + i)
                            .append("\":")
                            .append(value(random, depth - 1));
                }
                yield o.append('}').toString();
            }
            default -> {
                StringBuilder a = new StringBuilder("[");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.append(i > 0 ? "," : "").append(value(random, depth - 1));
                }
                yield a.append(']').toString();
            }
        };
    }

    private static String string(Random random) {
        String[] pieces = {"a", "text ", "é", "🌍", "日本", "\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83c\\udf0d", "\\/", "_"
        };
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) {
            sb.append(pieces[random.nextInt(pieces.length)]);
        }
        if (random.nextInt(3) == 0) {
            sb.append("x".repeat(random.nextInt(40)));
        }
        return sb.toString();
    }
}
