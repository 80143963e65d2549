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

    @Test
    void shouldRefuseARequestThatIsNotOnOneLine() {
        assertThatThrownBy(() -> JsonlLine.size("k", "{\n}")).hasMessageContaining("one line");
    }
}
