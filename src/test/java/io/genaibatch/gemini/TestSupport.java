package io.genaibatch.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.testkit.Await;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Helpers shared by the gemini tests: settings for an emulator, spool files, polling with a deadline. */
final class TestSupport {
    static final String API_KEY = "test-key";
    static final ObjectMapper MAPPER = new ObjectMapper();

    private TestSupport() {}

    /** Settings for this emulator; no retries, so that a fault surfaces as it is. */
    static GeminiSettings settings(GeminiEmulator emulator) {
        return GeminiSettings.builder()
                .baseUrl(emulator.baseUrl())
                .apiKey(API_KEY)
                .connectTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(30))
                .retry(RetrySettings.NO_RETRY)
                .build();
    }

    /** A JSONL spool of generate requests: key → the text of the last user turn. */
    static Path generateSpool(Path dir, String name, Map<String, String> prompts) throws IOException {
        Path spool = dir.resolve(name);
        try (BufferedWriter w = Files.newBufferedWriter(spool, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String> e : prompts.entrySet()) {
                ObjectNode line = MAPPER.createObjectNode();
                line.put("key", e.getKey());
                ObjectNode request = line.putObject("request");
                request.putArray("contents")
                        .addObject()
                        .put("role", "user")
                        .putArray("parts")
                        .addObject()
                        .put("text", e.getValue());
                w.write(line.toString());
                w.write('\n');
            }
        }
        return spool;
    }

    static Map<String, String> prompts(String prefix, int n) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
            m.put(prefix + "-" + i, "question " + prefix + " number " + i);
        }
        return m;
    }

    /** The text of the first candidate of a REST GenerateContentResponse. */
    static String text(JsonNode response) {
        return response.path("candidates")
                .path(0)
                .path("content")
                .path("parts")
                .path(0)
                .path("text")
                .asText();
    }

    static BatchJobInfo awaitDone(BatchApi api, String jobName) {
        return Await.until(
                jobName + " to reach a terminal state",
                Duration.ofSeconds(30),
                () -> api.get(jobName),
                BatchJobInfo::isDone);
    }

    /** A file of this size with bytes that differ by position (so a misplaced chunk changes the hash). */
    static Path patternFile(Path dir, String name, long size) throws IOException {
        Path file = dir.resolve(name);
        byte[] block = new byte[1 << 16];
        try (var out = Files.newOutputStream(file)) {
            long written = 0;
            long blockNo = 0;
            while (written < size) {
                for (int i = 0; i < block.length; i += 8) {
                    long v = (blockNo * block.length + i) * 0x9E3779B97F4A7C15L;
                    for (int j = 0; j < 8; j++) {
                        block[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                int n = (int) Math.min(block.length, size - written);
                out.write(block, 0, n);
                written += n;
                blockNo++;
            }
        }
        return file;
    }

    static byte[] sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Base64(Path file) throws IOException {
        return Base64.getEncoder().encodeToString(sha256(file));
    }

    static String sha256Hex(Path file) throws IOException {
        return HexFormat.of().formatHex(sha256(file));
    }
}
