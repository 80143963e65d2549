package io.genaibatch.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonlLineTest {

    @Test
    void shouldWriteTheLineTheGeminiBatchFileExpects() {
        String line = new String(JsonlLine.bytes("req-1", "{\"contents\":[]}"), StandardCharsets.UTF_8);
        assertThat(line).isEqualTo("{\"key\": \"req-1\", \"request\": {\"contents\":[]}}\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "quote\" and back\\slash", "tab\tnewline\ncontrol\u0001", "Grüße 世界 🌍", ""})
    void shouldCountExactlyTheBytesItWritesAndStayValidJson(String key) throws Exception {
        String request = "{\"contents\":[{\"parts\":[{\"text\":\"" + "é🌍\\n" + "\"}]}]}";
        byte[] bytes = JsonlLine.bytes(key, request);

        assertThat(JsonlLine.size(key, request)).isEqualTo(bytes.length);
        assertThat(bytes[bytes.length - 1]).isEqualTo((byte) '\n');
        JsonNode parsed = new ObjectMapper().readTree(bytes);
        assertThat(parsed.get("key").textValue()).isEqualTo(key);
        assertThat(parsed.get("request").toString())
                .isEqualTo(new ObjectMapper().readTree(request).toString());
    }

    /** bytes builds the line in one array; what it builds must be what write streams, byte for byte. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "genai.requests-3-1234567",
                "printable ~!@#$%^&*()_+{}|:<>?/`'[];,.= ascii",
                "quote\" and back\\slash",
                "control\u0001\u001f and del\u007f",
                "Grüße 世界 🌍",
                ""
            })
    void shouldBuildTheSameBytesItStreams(String key) throws Exception {
        for (String request : new String[] {
            "{\"contents\":[]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"é🌍\\n\\\"x\\u0000 \"}]}]}",
            "{\"t\":\"unpaired \ud83c then low alone \udf0d\"}",
            "{\"t\":\"" + "words ".repeat(700) + "\"}"
        }) {
            java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
            JsonlLine.write(streamed, key, request);

            byte[] built = JsonlLine.bytes(key, request);

            assertThat(built).isEqualTo(streamed.toByteArray());
            assertThat(JsonlLine.size(key, request)).isEqualTo(built.length);
        }
    }

    @Test
    void shouldRefuseToBuildALineForARequestThatIsNotOnOneLine() {
        assertThatThrownBy(() -> JsonlLine.bytes("k", "{\r}")).hasMessageContaining("one line");
    }

    @Test
    void shouldRefuseARequestThatIsNotOnOneLine() {
        assertThatThrownBy(() -> JsonlLine.size("k", "{\n}")).hasMessageContaining("one line");
    }
}
