package io.genaibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The JSON examples in docs/SCHEMAS.md are real: each decodes, and each marked "written" is what we write. */
class SchemasDocumentationTest {
    private static final Path DOC = Path.of("docs/SCHEMAS.md");
    private static final Pattern EXAMPLE =
            Pattern.compile("<!-- example: (\\w+)( written)? -->\\s*```json\\n(.*?)```", Pattern.DOTALL);
    private static final Map<String, RecordCodec<?>> CODECS = Map.of(
            "GenAiRequest", RecordCodec.genAiRequest(),
            "BatchRecord", RecordCodec.batchRecord(),
            "BatchJob", RecordCodec.batchJob(),
            "GenAiResponse", RecordCodec.genAiResponse(),
            "WindowPolicy", RecordCodec.windowPolicy());

    private final ObjectMapper exact = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Test
    void shouldDecodeEveryExampleAndWriteTheWrittenOnesExactly() throws Exception {
        Matcher m = EXAMPLE.matcher(Files.readString(DOC, StandardCharsets.UTF_8));
        List<String> checked = new ArrayList<>();
        while (m.find()) {
            String recordName = m.group(1);
            boolean written = m.group(2) != null;
            byte[] json = m.group(3).getBytes(StandardCharsets.UTF_8);
            RecordCodec<?> codec = CODECS.get(recordName);
            assertThat(codec).as("record named in an example: " + recordName).isNotNull();

            byte[] rewritten = reencode(codec, json);

            if (written) {
                assertThat(exact.readTree(rewritten))
                        .as("example %s %d", recordName, checked.size())
                        .isEqualTo(exact.readTree(json));
            }
            checked.add(recordName + (written ? " written" : ""));
        }

        assertThat(checked).contains("GenAiRequest", "GenAiRequest written", "GenAiResponse written");
    }

    private static <T extends SpecificRecord> byte[] reencode(RecordCodec<T> codec, byte[] json) {
        return codec.encode(codec.decode(json), ValueFormat.JSON);
    }

    @Test
    void shouldShowTheRealFailureMessages() throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        RecordCodec<?> requests = RecordCodec.genAiRequest();

        for (String json : List.of(
                "{\"kind\":\"GENERATE\",\"request\":{}}", "{\"model\":\"m\",\"kind\":\"GEN\",\"request\":{}}", "[]")) {
            String message = org.assertj.core.api.Assertions.catchThrowableOfType(
                            RecordDecodingException.class, () -> requests.decode(json.getBytes(StandardCharsets.UTF_8)))
                    .getMessage();
            assertThat(doc).contains(message);
        }
    }
}
