package io.genaibatch.accumulate;

import static io.genaibatch.accumulate.AccumulatorDriver.lineBytes;
import static io.genaibatch.accumulate.AccumulatorDriver.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.SealReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SealRulesTest {
    private static final String FLASH = "gemini-2.5-flash";

    @Test
    void shouldSealWithMaxRequestsAsSoonAsTheBatchHoldsExactlyMaxRequests() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "3"))) {
            d.send("k1", request(FLASH, "a"));
            d.send("k2", request(FLASH, "b"));
            assertThat(d.seals()).as("2 of 3: still open").isEmpty();

            d.send("k3", request(FLASH, "c"));

            assertThat(d.seals()).singleElement().satisfies(seal -> {
                assertThat(seal.getReason()).isEqualTo(SealReason.MAX_REQUESTS);
                assertThat(seal.getCount()).isEqualTo(3);
            });
        }
    }

    @Test
    void shouldPutTheRequestOneOverMaxRequestsInTheNextBatch() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "3"))) {
            for (int i = 0; i < 4; i++) {
                d.send("k" + i, request(FLASH, "t" + i));
            }
            List<BatchRecord> records = d.batchRecords();
            String first = records.get(0).getBatchId();
            assertThat(records).hasSize(5);
            assertThat(records.get(3).getSeal()).isNotNull();
            assertThat(records.get(4).getItem().getKey().array()).isEqualTo("k3".getBytes());
            assertThat(records.get(4).getBatchId()).isNotEqualTo(first);
        }
    }

    @Test
    void shouldSealWithMaxBytesWhenTheBatchHoldsExactlyMaxBytes() {
        long line = lineBytes(0, "aaaa"); // offsets 0 and 1: line keys of equal length
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-bytes", Long.toString(2 * line)))) {
            d.send("k1", request(FLASH, "r1", "aaaa"));
            d.send("k2", request(FLASH, "r2", "aaaa"));

            BatchSeal seal = d.seals().get(0);
            assertThat(seal.getReason()).isEqualTo(SealReason.MAX_BYTES);
            assertThat(seal.getCount()).isEqualTo(2);
            assertThat(seal.getBytes()).isEqualTo(2 * line);
        }
    }

    @Test
    void shouldSealBeforeTheRequestThatWouldPassMaxBytesByOneByte() {
        long line = lineBytes(0, "aaaa"); // offsets 0 and 1: line keys of equal length
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-bytes", Long.toString(2 * line)))) {
            d.send("k1", request(FLASH, "r1", "aaaa"));
            d.send("k2", request(FLASH, "r2", "aaaaa")); // one byte more than fits

            List<BatchRecord> records = d.batchRecords();
            assertThat(records).hasSize(3);
            BatchSeal seal = records.get(1).getSeal();
            assertThat(seal.getReason()).isEqualTo(SealReason.MAX_BYTES);
            assertThat(seal.getCount()).isEqualTo(1);
            assertThat(seal.getBytes()).isEqualTo(line);
            assertThat(records.get(2).getItem().getRequestId()).isEqualTo("r2");
            assertThat(records.get(2).getBatchId()).isNotEqualTo(records.get(0).getBatchId());
        }
    }

    @Test
    void shouldCountTheJsonlLineOfEachItem() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "1"))) {
            d.send("k1", request(FLASH, "req-ü", "Grüße 🌍"));

            BatchItem item = d.items().get(0);
            assertThat(item.getRequestBytes())
                    .isEqualTo(io.genaibatch.batch.JsonlLine.bytes(item).length)
                    .isEqualTo(lineBytes(0, "Grüße 🌍"));
            assertThat(d.seals().get(0).getBytes()).isEqualTo(item.getRequestBytes());
        }
    }

    @Test
    void shouldSealWithMaxWaitFromTheWallClockPunctuatorWhenNoRequestArrives() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-wait", "10s"))) {
            d.send("k1", request(FLASH, "a"));
            d.advance(Duration.ofSeconds(9));
            assertThat(d.seals()).as("9 s after opening").isEmpty();

            d.advance(Duration.ofSeconds(1));

            BatchSeal seal = d.seals().get(0);
            assertThat(seal.getReason()).isEqualTo(SealReason.MAX_WAIT);
            assertThat(seal.getCount()).isEqualTo(1);
            assertThat(Duration.between(seal.getOpenedAt(), seal.getSealedAt())).isEqualTo(Duration.ofSeconds(10));
        }
    }

    @Test
    void shouldSealABatchThatGetsNoMoreRequestsWithinATenthOfASecondOfMaxWaitNotAtTheNextWholeSecond() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-wait", "2s"))) {
            d.advance(Duration.ofMillis(300));
            d.send(
                    "k1",
                    request(FLASH, "a")); // opens 300 ms into the second: the 1 s punctuations come at 1 s, 2 s, 3 s
            d.advance(Duration.ofMillis(1700));
            assertThat(d.seals()).as("1.7 s after opening").isEmpty();

            d.advance(Duration.ofMillis(400)); // 2.1 s after opening; the next whole-second punctuation is 0.6 s away

            BatchSeal seal = d.seals().get(0);
            assertThat(seal.getReason()).isEqualTo(SealReason.MAX_WAIT);
            assertThat(Duration.between(seal.getOpenedAt(), seal.getSealedAt()))
                    .isLessThanOrEqualTo(Duration.ofSeconds(2).plus(AccumulateProcessor.SEAL_CHECK_INTERVAL));
        }
    }

    @Test
    void shouldSealAnExpiredBatchBeforeAddingTheNextRequestEvenBetweenPunctuations() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-wait", "1500ms"))) {
            d.send("k1", request(FLASH, "a"));
            d.advance(Duration.ofMillis(1000)); // punctuation at 1 s: not yet expired
            d.advance(Duration.ofMillis(600)); // 1.6 s: expired, but the next punctuation is at 2 s

            d.send("k2", request(FLASH, "b"));

            List<BatchRecord> records = d.batchRecords();
            assertThat(records).hasSize(3);
            assertThat(records.get(1).getSeal().getReason()).isEqualTo(SealReason.MAX_WAIT);
            assertThat(records.get(2).getBatchId()).isNotEqualTo(records.get(0).getBatchId());
        }
    }

    @Test
    void shouldKeepOneOpenBatchPerModelAndKind() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "2"))) {
            d.send("k1", request(FLASH, "a"));
            d.send("k2", request("gemini-2.5-pro", "b"));
            d.send("k3", AccumulatorDriver.embed("models/gemini-embedding-001", "c"));
            d.send("k4", request("models/" + FLASH, "d"));

            List<BatchSeal> seals = d.seals();
            assertThat(seals).singleElement().satisfies(seal -> {
                assertThat(seal.getModel()).isEqualTo(FLASH);
                assertThat(seal.getGroupKey()).isEqualTo(FLASH + "|GENERATE|0");
                assertThat(seal.getCount()).isEqualTo(2);
            });
            assertThat(d.items())
                    .extracting(BatchItem::getModel)
                    .containsExactly(FLASH, "gemini-2.5-pro", "gemini-embedding-001", FLASH);
            assertThat(d.items().get(2).getKind()).isEqualTo(RequestKind.EMBED);
            assertThat(d.items().stream().map(i -> i.getModel() + i.getKind()).distinct())
                    .hasSize(3);
        }
    }

    @Test
    void shouldGiveEveryBatchOfAGroupItsOwnIdAndMatchCountAndBytesOfItsItems() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "4"))) {
            for (int i = 0; i < 40; i++) {
                d.send("k" + i, request(FLASH, "text number " + i));
            }
            List<BatchRecord> sealRecords = d.sealRecords();
            assertThat(sealRecords).hasSize(10);
            assertThat(sealRecords.stream().map(BatchRecord::getBatchId).collect(Collectors.toSet()))
                    .hasSize(10);
            Map<String, List<BatchItem>> byBatch = d.batchRecords().stream()
                    .filter(r -> r.getItem() != null)
                    .collect(Collectors.groupingBy(
                            BatchRecord::getBatchId, Collectors.mapping(BatchRecord::getItem, Collectors.toList())));
            for (BatchRecord s : sealRecords) {
                List<BatchItem> items = byBatch.get(s.getBatchId());
                assertThat(s.getSeal().getCount()).isEqualTo(items.size());
                assertThat(s.getSeal().getBytes())
                        .isEqualTo(items.stream()
                                .mapToLong(BatchItem::getRequestBytes)
                                .sum());
            }
            assertThat(sealRecords.get(0).getBatchId()).matches("gemini-2\\.5-flash-generate-0-[0-9a-f]{8}-0");
            assertThat(sealRecords.get(9).getBatchId()).endsWith("-9");
        }
    }

    @Test
    void shouldSpreadAHotModelOverItsShardsByKeyAndKeepEachKeyInOneShard() {
        try (AccumulatorDriver d = new AccumulatorDriver(
                Map.of("window.models.gemini-2.5-flash.shards", "4", "window.max-requests", "1000"))) {
            for (int i = 0; i < 200; i++) {
                d.send("key-" + (i % 50), request(FLASH, "t" + i));
            }
            d.send("other", request("gemini-2.5-pro", "x"));

            Map<String, Set<String>> groupsByKey = d.batchRecords().stream()
                    .filter(r -> r.getItem() != null)
                    .filter(r -> r.getItem().getModel().equals(FLASH))
                    .collect(Collectors.groupingBy(
                            r -> new String(r.getItem().getKey().array()),
                            Collectors.mapping(BatchRecord::getGroupKey, Collectors.toSet())));
            assertThat(groupsByKey.values())
                    .allSatisfy(groups -> assertThat(groups).hasSize(1));
            Set<String> groups =
                    groupsByKey.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
            assertThat(groups)
                    .containsExactlyInAnyOrder(
                            FLASH + "|GENERATE|0", FLASH + "|GENERATE|1", FLASH + "|GENERATE|2", FLASH + "|GENERATE|3");
            assertThat(d.batchRecords().stream()
                            .filter(r -> r.getItem() != null)
                            .map(BatchRecord::getBatchId)
                            .distinct())
                    .as("one open batch per shard plus the other model's")
                    .hasSize(5);
            assertThat(d.items().get(200).getModel()).isEqualTo("gemini-2.5-pro");
        }
    }

    @Test
    void shouldDeriveAStableRequestIdFromTopicPartitionAndOffsetWhenTheCallerGivesNone() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of())) {
            d.send("k1", request(FLASH, "a"));
            d.send("k2", request(FLASH, "caller-id", "b"));

            assertThat(d.items())
                    .extracting(BatchItem::getRequestId)
                    .containsExactly("genai.requests-0-0", "caller-id");
            assertThat(d.items().get(0).getSourceOffset()).isZero();
        }
    }
}
