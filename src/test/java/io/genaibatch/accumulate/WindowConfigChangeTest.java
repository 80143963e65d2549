package io.genaibatch.accumulate;

import static io.genaibatch.accumulate.AccumulatorDriver.policy;
import static io.genaibatch.accumulate.AccumulatorDriver.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.SealReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class WindowConfigChangeTest {
    private static final String FLASH = "gemini-2.5-flash";
    private static final String PRO = "gemini-2.5-pro";

    @Test
    void shouldSealAnOpenBatchWithConfigChangeWhenMaxRequestsShrinksBelowItsCount() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "100"))) {
            for (int i = 0; i < 5; i++) {
                d.send("k" + i, request(FLASH, "t" + i));
            }
            d.setPolicy(FLASH, policy().setMaxRequests(3).build());
            d.tick();

            BatchSeal seal = d.seals().get(0);
            assertThat(seal.getReason()).isEqualTo(SealReason.CONFIG_CHANGE);
            assertThat(seal.getCount()).isEqualTo(5);

            // The new limit applies to the next batch
            for (int i = 0; i < 3; i++) {
                d.send("n" + i, request(FLASH, "n" + i));
            }
            assertThat(d.seals()).hasSize(2);
            assertThat(d.seals().get(1).getReason()).isEqualTo(SealReason.MAX_REQUESTS);
            assertThat(d.seals().get(1).getCount()).isEqualTo(3);
        }
    }

    @Test
    void shouldSealWithMaxWaitWhenMaxWaitShrinksBelowTheOpenBatchAge() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-wait", "10m"))) {
            d.send("k1", request(FLASH, "a"));
            d.advance(Duration.ofSeconds(30));
            assertThat(d.seals()).isEmpty();

            d.setPolicy("*", policy().setMaxWaitMs(20_000L).build());
            d.tick();

            assertThat(d.seals())
                    .singleElement()
                    .satisfies(seal -> assertThat(seal.getReason()).isEqualTo(SealReason.MAX_WAIT));
        }
    }

    @Test
    void shouldApplyAGrownMaxRequestsToTheOpenBatch() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "3"))) {
            d.send("k1", request(FLASH, "a"));
            d.send("k2", request(FLASH, "b"));
            d.setPolicy(FLASH, policy().setMaxRequests(5).build());
            d.tick();
            for (int i = 3; i <= 5; i++) {
                d.send("k" + i, request(FLASH, "t" + i));
            }
            assertThat(d.seals())
                    .singleElement()
                    .satisfies(seal -> assertThat(seal.getCount()).isEqualTo(5));
        }
    }

    @Test
    void shouldIgnoreAnInvalidPolicyOnTheTopicAndKeepThePreviousOne() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "100"))) {
            d.setPolicy(FLASH, policy().setMaxRequests(2).build());
            d.setPolicy(FLASH, policy().setMaxRequests(0).build());
            d.setPolicy(FLASH, policy().setMaxBytes(3_000_000_000L).build());
            d.setPolicy(FLASH, policy().setMaxWaitMs(49L * 3600_000).build());
            d.setPolicyRaw(FLASH, "not a policy".getBytes());
            d.setPolicy("bad model!", policy().setMaxRequests(1).build());
            d.tick();

            d.send("k1", request(FLASH, "a"));
            d.send("k2", request(FLASH, "b"));

            assertThat(d.seals())
                    .singleElement()
                    .satisfies(seal -> assertThat(seal.getCount()).isEqualTo(2));
        }
    }

    @Test
    void shouldFallBackToTheFileWhenTheTopicRecordIsDeleted() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "2"))) {
            d.setPolicy(FLASH, policy().setMaxRequests(50).build());
            d.setPolicy(FLASH, null);
            d.tick();
            d.send("k1", request(FLASH, "a"));
            d.send("k2", request(FLASH, "b"));
            assertThat(d.seals()).hasSize(1);
        }
    }

    @Test
    void shouldResolveEachSettingFromModelRecordThenStarRecordThenFileModelThenFileDefault() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of(
                "window.max-requests", "9",
                "window.models.gemini-2.5-flash.max-requests", "8",
                "window.models.gemini-2.5-flash.max-wait", "7m"))) {
            d.setPolicy("*", policy().setMaxRequests(6).setShards(2).build());
            d.setPolicy(FLASH, policy().setMaxWaitMs(300_000L).build());
            WindowPolicies policies = new WindowPolicies(io.genaibatch.config.GenAiBatchConfig.of(Map.of(
                    "window.max-requests", "9",
                    "window.models.gemini-2.5-flash.max-requests", "8",
                    "window.models.gemini-2.5-flash.max-wait", "7m")));
            var store = d.driver.<String, io.genaibatch.records.WindowPolicy>getKeyValueStore(
                    AccumulatorTopology.WINDOW_POLICY_STORE);

            EffectivePolicy flash = policies.resolve(FLASH, store::get);
            assertThat(flash.maxWait()).isEqualTo(Duration.ofMinutes(5));
            assertThat(flash.sources().get("window.max-wait")).isEqualTo("genai.window-config [gemini-2.5-flash]");
            assertThat(flash.maxRequests()).isEqualTo(6);
            assertThat(flash.sources().get("window.max-requests")).isEqualTo("genai.window-config [*]");
            assertThat(flash.maxBytes()).isEqualTo(100_000_000L);
            assertThat(flash.sources().get("window.max-bytes")).isEqualTo("default");

            d.setPolicy("*", null);
            EffectivePolicy afterDelete = policies.resolve(FLASH, store::get);
            assertThat(afterDelete.maxRequests()).isEqualTo(8);
            assertThat(afterDelete.sources().get("window.max-requests"))
                    .isEqualTo("command line (window.models.gemini-2.5-flash.max-requests)");
            EffectivePolicy pro = policies.resolve("gemini-2.5-pro", store::get);
            assertThat(pro.maxRequests()).isEqualTo(9);
            assertThat(pro.sources().get("window.max-requests")).isEqualTo("command line (window.max-requests)");
        }
    }

    @Test
    void shouldHoldADisabledModelsRequestsWithoutBlockingOthersAndReleaseThemInOrderWhenEnabled() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "4", "window.max-wait", "1h"))) {
            d.setPolicy(FLASH, policy().setEnabled(false).build());
            d.tick();
            for (int i = 0; i < 6; i++) {
                d.send("f" + i, request(FLASH, "f-" + i, "t"));
                d.send("p" + i, request(PRO, "p-" + i, "t"));
            }
            d.send("no-id", request(FLASH, "t")); // offset 12: its requestId is derived from where it was read
            GenAiRequest bad = request(FLASH, "bad", "t");
            bad.setRequest("{\"contents\": []}");
            d.send("bad", bad);
            d.advance(Duration.ofMinutes(5));
            assertThat(d.items())
                    .as("only the enabled model is batched")
                    .allSatisfy(i -> assertThat(i.getModel()).isEqualTo(PRO));
            assertThat(d.items()).hasSize(6);
            assertThat(d.counters.snapshot()).containsEntry("requests.held", 7L);
            assertThat(d.responses())
                    .as("a disabled model's bad request is still rejected at once")
                    .singleElement()
                    .satisfies(
                            r -> assertThat(r.value().getError().getCode()).isEqualTo(ErrorCode.EMPTY_CONTENTS.code()));
            assertThat(heldPointers(d))
                    .as("held: a pointer per request, in offset order, no payload")
                    .containsExactly(
                            HeldRequests.storeKey(FLASH, 0),
                            HeldRequests.storeKey(FLASH, 2),
                            HeldRequests.storeKey(FLASH, 4),
                            HeldRequests.storeKey(FLASH, 6),
                            HeldRequests.storeKey(FLASH, 8),
                            HeldRequests.storeKey(FLASH, 10),
                            HeldRequests.storeKey(FLASH, 12));

            d.setPolicy(FLASH, policy().setEnabled(true).build());
            d.send("f6", request(FLASH, "f-6", "t")); // arrives before the release: must queue behind the held ones
            d.tick(); // refresh, then release

            List<String> flashIds = d.items().stream()
                    .filter(i -> i.getModel().equals(FLASH))
                    .map(BatchItem::getRequestId)
                    .toList();
            assertThat(flashIds)
                    .containsExactly("f-0", "f-1", "f-2", "f-3", "f-4", "f-5", "genai.requests-0-12", "f-6");
            List<BatchSeal> flashSeals =
                    d.seals().stream().filter(s -> s.getModel().equals(FLASH)).toList();
            assertThat(flashSeals)
                    .hasSize(2)
                    .allSatisfy(s -> assertThat(s.getCount()).isEqualTo(4));
            assertThat(d.responses()).as("nothing held is rejected at release").isEmpty();
            assertThat(heldPointers(d)).isEmpty();

            // Released: the next request goes straight through, no pointer and no read of genai.requests
            int reads = d.heldReads.size();
            d.send("f7", request(FLASH, "f-7", "t"));
            assertThat(d.items())
                    .last()
                    .satisfies(i -> assertThat(i.getRequestId()).isEqualTo("f-7"));
            d.tick();
            assertThat(d.heldReads).hasSize(reads);
        }
    }

    @Test
    void shouldReleaseAtMostTheBoundPerPunctuationAndKeepLaterArrivalsBehind() {
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of("window.max-requests", "100", "window.max-wait", "1h"), null, 3)) {
            d.setPolicy(FLASH, policy().setEnabled(false).build());
            d.tick();
            for (int i = 0; i < 7; i++) {
                d.send("f" + i, request(FLASH, "f-" + i, "t"));
            }
            d.setPolicy(FLASH, policy().setEnabled(true).build());

            d.tick();
            assertThat(requestIds(d)).containsExactly("f-0", "f-1", "f-2");
            d.send("f7", request(FLASH, "f-7", "t")); // release in progress: queues behind the 4 still held
            assertThat(requestIds(d)).hasSize(3);
            d.tick();
            assertThat(requestIds(d)).containsExactly("f-0", "f-1", "f-2", "f-3", "f-4", "f-5");
            d.tick();
            assertThat(requestIds(d)).containsExactly("f-0", "f-1", "f-2", "f-3", "f-4", "f-5", "f-6", "f-7");
            assertThat(d.heldReads)
                    .as("each read asks for the oldest pointers, at most 3")
                    .containsExactly(List.of(0L, 1L, 2L), List.of(3L, 4L, 5L), List.of(6L, 7L));
            assertThat(heldPointers(d)).isEmpty();
        }
    }

    @Test
    void shouldAnswerAHeldRequestDeletedByRetentionWithAnErrorAndReleaseTheRest() {
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of("window.max-requests", "100", "window.max-wait", "1h"))) {
            d.setPolicy(FLASH, policy().setEnabled(false).build());
            d.tick();
            for (int i = 0; i < 4; i++) {
                d.send("f" + i, request(FLASH, "f-" + i, "t"));
            }
            d.deleteRequestsBefore(2); // held longer than the topic's retention

            d.setPolicy(FLASH, policy().setEnabled(true).build());
            d.tick();

            assertThat(requestIds(d)).containsExactly("f-2", "f-3");
            assertThat(d.counters.snapshot()).containsEntry("requests.held.lost", 2L);
            List<TestRecord<byte[], GenAiResponse>> responses = d.responses();
            assertThat(responses)
                    .as("one ERROR response per lost request, under its key")
                    .extracting(
                            r -> new String(r.key()),
                            r -> r.value().getStatus(),
                            r -> r.value().getError().getCode(),
                            r -> r.value().getRequestId(),
                            r -> r.value().getModel())
                    .containsExactly(
                            tuple(
                                    "f0",
                                    ResponseStatus.ERROR,
                                    ErrorCode.HELD_REQUEST_LOST.code(),
                                    "genai.requests-0-0",
                                    FLASH),
                            tuple(
                                    "f1",
                                    ResponseStatus.ERROR,
                                    ErrorCode.HELD_REQUEST_LOST.code(),
                                    "genai.requests-0-1",
                                    FLASH));
            assertThat(responses.get(0).value().getError().getMessage())
                    .contains("retention")
                    .contains("publish it again");
            assertThat(heldPointers(d))
                    .as("the lost ones' pointers are dropped too")
                    .isEmpty();
        }
    }

    @Test
    void shouldAnswerAHeldRequestThatFailsUnexpectedlyWhenReleasedAndReleaseTheOnesBehindIt() {
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of("window.max-requests", "100", "window.max-wait", "1h"))) {
            d.setPolicy(FLASH, policy().setEnabled(false).build());
            d.tick();
            for (int i = 0; i < 3; i++) {
                d.send("f" + i, request(FLASH, "f-" + i, "t"));
            }
            d.poisonHeldRecord(1);

            d.setPolicy(FLASH, policy().setEnabled(true).build());
            d.tick();

            assertThat(requestIds(d)).as("the ones behind it are not blocked").containsExactly("f-0", "f-2");
            assertThat(d.responses()).singleElement().satisfies(r -> {
                assertThat(new String(r.key())).isEqualTo("f1");
                assertThat(r.value().getStatus()).isEqualTo(ResponseStatus.ERROR);
                assertThat(r.value().getError().getCode()).isEqualTo(ErrorCode.HELD_REQUEST_LOST.code());
                assertThat(r.value().getError().getMessage())
                        .contains("boom while released")
                        .as("published again it fails the same way")
                        .doesNotContain("publish it again");
            });
            assertThat(heldPointers(d)).isEmpty();
        }
    }

    @Test
    void shouldNotTellAHeldRequestThatNoLongerPassesValidationToPublishItAgainButWhatRefusesIt() {
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of("window.max-requests", "100", "window.max-wait", "1h"))) {
            d.setPolicy(FLASH, policy().setEnabled(false).build());
            d.tick();
            d.send("f0", request(FLASH, "f-0", "t"));
            d.send("f1", request(FLASH, "f-1", "t"));
            d.heldRecordReadsBackAs(0, request("no-longer-allowed-model", "f-0", "t"));

            d.setPolicy(FLASH, policy().setEnabled(true).build());
            d.tick();

            assertThat(requestIds(d)).containsExactly("f-1");
            assertThat(d.responses()).singleElement().satisfies(r -> {
                assertThat(new String(r.key())).isEqualTo("f0");
                assertThat(r.value().getError().getCode()).isEqualTo(ErrorCode.HELD_REQUEST_LOST.code());
                assertThat(r.value().getError().getMessage())
                        .as("says what refuses it now")
                        .contains(ErrorCode.UNKNOWN_MODEL.code())
                        .contains("models.allowed")
                        .as("published again it is refused the same way")
                        .doesNotContain("publish it again");
            });
            assertThat(heldPointers(d)).isEmpty();
        }
    }

    @Test
    void shouldStillAnswerLostHeldRequestsWhenTheReleaseFailsPartWayAndRetryTheRest() {
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of("window.max-requests", "100", "window.max-wait", "1h"))) {
            d.setPolicy(FLASH, policy().setEnabled(false).build());
            d.setPolicy(PRO, policy().setEnabled(false).build());
            d.tick();
            d.send("f0", request(FLASH, "f-0", "t")); // offset 0: deleted by retention before release
            d.send("p1", request(PRO, "p-1", "t")); // offset 1: its read fails once
            d.deleteRequestsBefore(1);
            d.failHeldReadsOf(1);

            // FLASH is released first (its pointer dropped, its answer owed), then reading PRO fails
            d.setPolicy(FLASH, policy().setEnabled(true).build());
            d.setPolicy(PRO, policy().setEnabled(true).build());
            d.tick();
            assertThat(d.responses())
                    .as("the lost one is answered in the same transaction as its pointer's delete")
                    .extracting(
                            r -> new String(r.key()), r -> r.value().getError().getCode())
                    .containsExactly(tuple("f0", ErrorCode.HELD_REQUEST_LOST.code()));
            assertThat(heldPointers(d)).as("PRO stays held").hasSize(1);
            assertThat(d.items()).isEmpty();

            // The broker is back: PRO is released at the next punctuation, once
            d.failHeldReadsOf(-1);
            d.tick();
            assertThat(requestIds(d)).containsExactly("p-1");
            assertThat(d.responses()).isEmpty();
            assertThat(heldPointers(d)).isEmpty();
        }
    }

    private static List<String> requestIds(AccumulatorDriver d) {
        return d.items().stream().map(BatchItem::getRequestId).toList();
    }

    private static List<String> heldPointers(AccumulatorDriver d) {
        List<String> keys = new ArrayList<>();
        KeyValueStore<String, HeldRequests.Pointer> store = d.driver.getKeyValueStore(AccumulatorTopology.HELD_STORE);
        try (KeyValueIterator<String, HeldRequests.Pointer> it = store.all()) {
            it.forEachRemaining(kv -> {
                assertThat(kv.value.key()).as("only the record's key is kept").hasSizeLessThan(16);
                keys.add(kv.key);
            });
        }
        return keys;
    }

    @Test
    void shouldSealAnOpenBatchOfAModelDisabledMidBatchAtMaxWait() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-wait", "1m"))) {
            d.send("k1", request(FLASH, "a"));
            d.setPolicy(FLASH, policy().setEnabled(false).build());
            d.tick();
            d.send("k2", request(FLASH, "b"));
            d.advance(Duration.ofMinutes(1));

            List<BatchRecord> records = d.batchRecords();
            assertThat(records).hasSize(2);
            assertThat(records.get(1).getSeal().getCount()).isEqualTo(1);
            assertThat(records.get(1).getSeal().getReason()).isEqualTo(SealReason.MAX_WAIT);
        }
    }

    @Test
    void shouldBatchAnAcceptedRequestAloneWhenMaxBytesShrankBelowItsSizeBeforeItWasBatched() {
        long big = AccumulatorDriver.lineBytes(1, "x".repeat(300)); // piped second, at offset 1
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-bytes", "1MB", "window.max-wait", "1h"))) {
            // Accepted under 1 MB while the model is held...
            d.setPolicy(FLASH, policy().setEnabled(false).build());
            d.tick();
            d.send("k1", request(FLASH, "small", "s"));
            d.send("k2", request(FLASH, "big", "x".repeat(300)));
            assertThat(d.responses()).isEmpty();

            // ...released under a max-bytes smaller than the big one: it is not rejected after acceptance
            d.setPolicy(FLASH, policy().setEnabled(true).setMaxBytes(big - 1).build());
            d.tick();

            List<BatchRecord> records = d.batchRecords();
            assertThat(records)
                    .extracting(r -> r.getSeal() == null
                            ? "item " + r.getItem().getRequestId()
                            : "seal " + r.getSeal().getCount())
                    .containsExactly("item small", "seal 1", "item big", "seal 1");
            assertThat(records.get(3).getSeal().getReason()).isEqualTo(SealReason.MAX_BYTES);
            assertThat(records.get(3).getSeal().getBytes()).isEqualTo(big);
        }
    }
}
