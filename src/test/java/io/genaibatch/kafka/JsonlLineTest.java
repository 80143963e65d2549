package io.genaibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonlLineTest {

    @Test
    void shouldWriteTheSeedLineFormatWithAnEscapedKeyAndOneNewline() throws Exception {
        byte[] line = JsonlLine.encode("r\"1", "{\"contents\":[{\"parts\":[{\"text\":\"héllo\"}]}]}");

        String text = new String(line, StandardCharsets.UTF_8);
        assertThat(text).endsWith("}\n").doesNotContain("\n{");
        JsonNode parsed = new ObjectMapper().readTree(text);
        assertThat(parsed.get("key").asText()).isEqualTo("r\"1");
        assertThat(parsed.at("/request/contents/0/parts/0/text").asText()).isEqualTo("héllo");
        assertThat(JsonlLine.size("r\"1", "{\"contents\":[{\"parts\":[{\"text\":\"héllo\"}]}]}")).isEqualTo(line.length);
    }

    @Test
    void shouldCompactPrettyJsonSoThatItFitsOnOneLine() {
        String compact = JsonlLine.compact("{\n  \"contents\": [ {\"parts\": [{\"text\": \"a\\nb\"}]} ]\n}");

        assertThat(compact).isEqualTo("{\"contents\":[{\"parts\":[{\"text\":\"a\\nb\"}]}]}");
        assertThat(JsonlLine.encode("k", compact)).hasSize(("{\"key\":\"k\",\"request\":" + compact + "}\n").length());
    }

    @Test
    void shouldRefuseRequestJsonThatSpansLines() {
        assertThatThrownBy(() -> JsonlLine.encode("k", "{\n}")).hasMessageContaining("spans several lines");
        assertThatThrownBy(() -> JsonlLine.compact("{\"a\": ")).hasMessageContaining("not valid JSON");
    }
}
