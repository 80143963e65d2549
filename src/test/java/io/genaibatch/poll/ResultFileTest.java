package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.genaibatch.gemini.ApiError;
import io.genaibatch.gemini.InlineResult;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultFileTest {

    record Line(long offset, String text) {}

    @Test
    void shouldGiveTheByteOffsetOfEveryLineSoItCanBeReadAgain(@TempDir Path dir) throws Exception {
        // Multi-byte text, a CRLF line, a blank line, a line longer than the reader's buffers, no final newline
        String longText = "x".repeat(200_000);
        String content = "{\"key\":\"é-1\",\"response\":{\"t\":\"ünïcödé\"}}\n"
                + "{\"key\":\"k-2\",\"error\":{\"code\":500,\"message\":\"boom\",\"status\":\"INTERNAL\"}}\r\n"
                + "\n"
                + "{\"key\":\"k-3\",\"response\":{\"t\":\"" + longText + "\"}}\n"
                + "{\"response\":{}}";
        Path file = dir.resolve("results.jsonl");
        Files.writeString(file, content, StandardCharsets.UTF_8);

        List<Line> lines = new ArrayList<>();
        ResultFile.forEachLine(
                file,
                (offset, bytes, length) ->
                        lines.add(new Line(offset, new String(bytes, 0, length, StandardCharsets.UTF_8))));

        assertThat(lines).hasSize(4);
        try (FileChannel ch = FileChannel.open(file)) {
            for (Line l : lines) {
                byte[] again = ResultFile.read(ch, l.offset(), l.text().getBytes(StandardCharsets.UTF_8).length);
                assertThat(new String(again, StandardCharsets.UTF_8)).isEqualTo(l.text());
            }
        }
        assertThat(lines.get(0).text()).contains("ünïcödé");
        assertThat(lines.get(1).text()).doesNotEndWith("\r");
        assertThat(lines.get(2).text()).isEqualTo("{\"key\":\"k-3\",\"response\":{\"t\":\"" + longText + "\"}}");
        assertThat(lines.get(3).text()).isEqualTo("{\"response\":{}}");
    }

    @Test
    void shouldReadKeysAndResultsAndTreatAnythingElseAsKeyless() {
        assertThat(key("{\"response\":{\"embedding\":{\"values\":[1,2]}},\"key\":\"k-9\"}"))
                .contains("k-9");
        assertThat(key("{\"key\":\"\",\"response\":{}}")).isEmpty();
        assertThat(key("{\"key\":7,\"response\":{}}")).isEmpty();
        assertThat(key("[\"key\"]")).isEmpty();
        assertThat(key("not json")).isEmpty();

        ResultFile.Result error = parse("{\"key\":\"k\",\"error\":{\"code\":429,\"message\":\"slow down\"}}");
        assertThat(error.error()).contains(new ApiError(429, "", "slow down"));
        ResultFile.Result ok = parse("{\"key\":\"k\",\"response\":{\"embedding\":{\"values\":[0.5]}}}");
        assertThat(ok.response().orElseThrow().json()).isEqualTo("{\"embedding\":{\"values\":[0.5]}}");
        assertThat(ok.response().orElseThrow().usageMetadata()).isNull();
        ResultFile.Result both = parse("{\"response\":{\"usageMetadata\":{\"totalTokenCount\":4},\"x\":[{}]},"
                + "\"key\":\"k\",\"error\":{\"code\":500}}");
        assertThat(both.error()).as("an error wins, as before").contains(new ApiError(500, "", ""));
        ResultFile.Result empty = parse("{\"key\":\"k\"}");
        assertThat(empty.key()).contains("k");
        assertThat(empty.response()).isEmpty();
        assertThat(empty.error()).as("no API error is made up for it").isEmpty();
        ResultFile.Result garbage = parse("{oops");
        assertThat(garbage.key()).isEmpty();
        assertThat(garbage.response()).isEmpty();
        assertThat(garbage.error()).isEmpty();
    }

    @Test
    void shouldWriteInlineResultsInTheFileShape(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("inline.jsonl");
        var response = JsonNodeFactory.instance.objectNode();
        response.putArray("candidates").addObject().put("index", 0);
        long n = ResultFile.writeInline(
                List.of(
                                new InlineResult(0, Optional.of("k-1"), Optional.of(response), Optional.empty()),
                                new InlineResult(1, Optional.empty(), Optional.of(response), Optional.empty()),
                                new InlineResult(
                                        2,
                                        Optional.of("k-3"),
                                        Optional.empty(),
                                        Optional.of(new ApiError(400, "", "bad"))))
                        .iterator(),
                target);

        assertThat(n).isEqualTo(3);
        List<String> lines = Files.readAllLines(target);
        assertThat(key(lines.get(0))).contains("k-1");
        assertThat(key(lines.get(1))).as("no key echoed, none invented").isEmpty();
        assertThat(parse(lines.get(2)).error()).contains(new ApiError(400, "", "bad"));
        assertThat(Files.exists(dir.resolve("inline.jsonl.part"))).isFalse();
    }

    private static Optional<String> key(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return ResultFile.keyOf(b, b.length);
    }

    private static ResultFile.Result parse(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return ResultFile.parse(b, b.length);
    }

    @Test
    void shouldFindTheFirstNewlineInEveryPositionAndAmongMultiByteCharacters() {
        java.util.Random random = new java.util.Random(17);
        for (int round = 0; round < 2_000; round++) {
            byte[] bytes = new byte[random.nextInt(40)];
            for (int i = 0; i < bytes.length; i++) {
                // Mostly bytes that differ from '\n' by one bit (0x0B, 0x8A, 0x0E...) or are 0x80+: the cases a
                // word-at-a-time test could take for a newline.
                int pick = random.nextInt(10);
                bytes[i] = (byte)
                        (pick == 0 ? '\n' : pick < 5 ? 0x0A ^ (1 << random.nextInt(8)) : 0x80 + random.nextInt(128));
            }
            int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
            int expected = -1;
            for (int i = from; i < bytes.length && expected < 0; i++) {
                expected = bytes[i] == '\n' ? i : -1;
            }
            assertThat(ResultFile.newline(bytes, from, bytes.length))
                    .as("round %d", round)
                    .isEqualTo(expected);
        }
    }
}
