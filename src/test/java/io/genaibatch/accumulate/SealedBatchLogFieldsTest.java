package io.genaibatch.accumulate;

import static io.genaibatch.accumulate.AccumulatorDriver.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.cli.JsonLogCapture;
import io.genaibatch.records.BatchRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** With {@code --log-format json}, the accumulator's "sealed batch" line carries the batch as fields. */
class SealedBatchLogFieldsTest {

    @Test
    void theSealedLineHasTheBatchIdAndModelAsFieldsAndTheNextLineOnTheThreadHasNone() {
        try (JsonLogCapture log = new JsonLogCapture();
                AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "1"))) {
            d.send("k1", request("gemini-2.5-flash", "a"));
            LoggerFactory.getLogger("io.genaibatch.test").info("unrelated, after the batch");

            String batchId = d.sealRecords().stream()
                    .map(BatchRecord::getBatchId)
                    .findFirst()
                    .orElseThrow();
            List<JsonNode> events = log.events();
            assertThat(events)
                    .filteredOn(e -> e.path("message").asText().startsWith("Sealed batch"))
                    .singleElement()
                    .satisfies(sealedLine -> {
                        assertThat(sealedLine.path("batchId").asText()).isEqualTo(batchId);
                        assertThat(sealedLine.path("model").asText()).isEqualTo("gemini-2.5-flash");
                    });
            assertThat(events)
                    .filteredOn(e -> e.path("message").asText().equals("unrelated, after the batch"))
                    .singleElement()
                    .satisfies(unrelated -> assertThat(unrelated.has("batchId")).isFalse());
        }
    }
}
