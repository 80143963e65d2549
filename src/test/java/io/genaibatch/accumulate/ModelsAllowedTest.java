package io.genaibatch.accumulate;

import static io.genaibatch.accumulate.AccumulatorDriver.embed;
import static io.genaibatch.accumulate.AccumulatorDriver.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** models.allowed: every distinct model name opens a group and a batch, so only the configured ones may. */
class ModelsAllowedTest {

    @Test
    void shouldRejectAModelOutsideTheDefaultPatternsAsUnknownWithoutOpeningAGroup() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of())) {
            d.send("k1", request("attacker-model-17", "r1", "x"));
            d.tick();

            TestRecord<byte[], GenAiResponse> response = single(d.responses());
            assertThat(response.value().getStatus()).isEqualTo(ResponseStatus.REJECTED);
            assertThat(response.value().getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_MODEL.code());
            assertThat(response.value().getError().getMessage())
                    .contains("attacker-model-17")
                    .contains("models.allowed");
            assertThat(response.value().getRequestId()).isEqualTo("r1");
            assertThat(single(d.dlq()).key()).isEqualTo("k1".getBytes());
            assertThat(d.items()).isEmpty();
            assertThat(groups(d)).isEmpty();
            assertThat(d.counters.snapshot()).containsEntry("requests.rejected." + ErrorCode.UNKNOWN_MODEL.code(), 1L);
        }
    }

    @Test
    void shouldJudgeEveryRequestOfAModelAlikeWhenAllowedAndRefusedModelsAlternate() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "1"))) {
            for (int i = 0; i < 3; i++) {
                d.send("a" + i, request("gemini-2.5-flash", "x"));
                d.send("b" + i, request("attacker-model-17", "r" + i, "x"));
                d.send("c" + i, request("models/gemini-2.5-flash", "x"));
            }

            assertThat(d.items()).extracting(BatchItem::getModel).containsOnly("gemini-2.5-flash");
            assertThat(d.items()).hasSize(6);
            assertThat(d.responses())
                    .extracting(r -> r.value().getError().getCode())
                    .containsExactly(
                            ErrorCode.UNKNOWN_MODEL.code(),
                            ErrorCode.UNKNOWN_MODEL.code(),
                            ErrorCode.UNKNOWN_MODEL.code());
        }
    }

    @Test
    void shouldAcceptTheGeminiGenerationAndEmbeddingModelsByDefault() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "1"))) {
            d.send("k1", request("gemini-2.5-flash", "x"));
            d.send("k2", request("models/gemini-2.5-pro", "x"));
            d.send("k3", request("gemini-2.5-flash-lite", "x"));
            d.send("k4", request("gemma-3-27b-it", "x"));
            d.send("k5", embed("gemini-embedding-001", "x"));
            d.send("k6", embed("models/text-embedding-004", "x"));
            d.send("k7", embed("embedding-001", "x"));

            assertThat(d.responses()).isEmpty();
            assertThat(d.items())
                    .extracting(BatchItem::getModel)
                    .containsExactly(
                            "gemini-2.5-flash",
                            "gemini-2.5-pro",
                            "gemini-2.5-flash-lite",
                            "gemma-3-27b-it",
                            "gemini-embedding-001",
                            "text-embedding-004",
                            "embedding-001");
        }
    }

    @Test
    void shouldMatchConfiguredPatternsWithOrWithoutTheModelsPrefix() {
        try (AccumulatorDriver d = new AccumulatorDriver(
                Map.of("models.allowed", "models/gemini-2.5-*, my-tuned-model", "window.max-requests", "1"))) {
            d.send("k1", request("models/my-tuned-model", "x"));
            d.send("k2", request("gemini-2.5-pro", "x"));
            d.send("k3", request("gemini-2.0-flash", "x"));

            assertThat(d.items()).extracting(BatchItem::getModel).containsExactly("my-tuned-model", "gemini-2.5-pro");
            TestRecord<byte[], GenAiResponse> response = single(d.responses());
            assertThat(response.value().getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_MODEL.code());
            assertThat(response.value().getError().getMessage())
                    .contains("gemini-2.0-flash")
                    .contains("gemini-2.5-*");
        }
    }

    @Test
    void shouldRejectAnUnknownModelOfADisabledModelAtOnceInsteadOfHoldingIt() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.enabled", "false"))) {
            d.send("k1", request("no-such-model", "x"));

            assertThat(single(d.responses()).value().getError().getCode()).isEqualTo(ErrorCode.UNKNOWN_MODEL.code());
            assertThat(d.counters.snapshot()).doesNotContainKey("requests.held");
        }
    }

    private static List<String> groups(AccumulatorDriver d) {
        KeyValueStore<String, GroupState> store = d.driver.getKeyValueStore(AccumulatorTopology.GROUP_STORE);
        List<String> out = new java.util.ArrayList<>();
        try (var it = store.all()) {
            it.forEachRemaining(kv -> out.add(kv.key));
        }
        return out;
    }

    private static <T> T single(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }
}
