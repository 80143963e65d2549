package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.SealReason;
import io.genaibatch.testkit.Await;
import io.genaibatch.testkit.TestConfig;
import io.genaibatch.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaCluster.class)
class AccumulatorIT {
    private static final String FLASH = "gemini-2.5-flash";
    private static final String PRO = "gemini-2.5-pro";
    private static final String EMBED = "gemini-embedding-001";
    private static final RecordCodec<GenAiRequest> REQUESTS = RecordCodec.genAiRequest();

    /** Small limits so that 20,000 requests make a few hundred batches, every seal reason among them. */
    private static final Map<String, Integer> MAX_REQUESTS = Map.of(FLASH, 250, PRO, 100, EMBED, 400);

    private static final Map<String, Long> MAX_BYTES = Map.of(FLASH, 40_000L, PRO, 100_000L, EMBED, 30_000L);

    @TempDir
    Path stateDir;

    @Test
    void shouldPutEveryRequestInExactlyOneSealedBatchWithinItsBounds(KafkaCluster kafka) throws Exception {
        // Step 1: topics with 6 partitions, limits per model in the config
        GenAiBatchConfig config = config(kafka, "exact", "state");
        createTopics(config);

        // Step 2: 20,000 requests over 6 partitions and 3 models, then the accumulator
        Set<String> sources = produce(config, 0, 20_000);
        AccumulateRole role = start(config);
        try (BatchLog log =
                new BatchLog(kafka.bootstrapServers(), Topics.from(config).batches())) {
            // Step 3: read genai.batches read_committed until every request is in a sealed batch
            log.pollUntil(l -> l.sealedItems() >= sources.size(), Duration.ofSeconds(90), "every request sealed");
            log.assertExact(sources, MAX_REQUESTS::get, MAX_BYTES::get);
            assertThat(log.seals.values())
                    .extracting(s -> s.getReason())
                    .contains(SealReason.MAX_REQUESTS, SealReason.MAX_BYTES, SealReason.MAX_WAIT);
        } finally {
            role.close();
        }
    }

    @Test
    void shouldLoseNoRequestAndBatchNoneTwiceWhenRestartedMidStream(KafkaCluster kafka) throws Exception {
        GenAiBatchConfig first = config(kafka, "restart", "state-a");
        createTopics(first);
        Set<String> sources = ConcurrentHashMap.newKeySet();

        // Step 1: half of the requests wait in genai.requests; the accumulator starts on them
        sources.addAll(produce(first, 0, 10_000));
        AccumulateRole role = start(first);
        try (BatchLog log =
                new BatchLog(kafka.bootstrapServers(), Topics.from(first).batches())) {
            log.pollUntil(
                    l -> l.itemsSeen() >= 2_000, Duration.ofSeconds(60), "2,000 requests batched before the stop");

            // Step 2: stop it mid-stream (open batches, unread requests); the other half arrives while it is down
            role.close();
            log.drain(Duration.ofSeconds(1));
            // max-wait (2 s) is longer than the stop takes, so batches were open: they must continue after the restart
            assertThat(log.itemsSeen()).as("open batches at the stop").isGreaterThan(log.sealedItems());
            sources.addAll(produce(first, 10_000, 10_000));

            // Step 3: restart on another state directory, as on another machine: the open batches come back
            // from the changelog
            AccumulateRole again = start(config(kafka, "restart", "state-b", first));
            try {
                log.pollUntil(
                        l -> l.sealedItems() >= sources.size(),
                        Duration.ofSeconds(90),
                        "every request sealed after the restart");
                log.assertExact(sources, MAX_REQUESTS::get, MAX_BYTES::get);
            } finally {
                again.close();
            }
        } finally {
            role.close();
        }
    }

    @Test
    void shouldRejectEachBadRecordOnceAndBatchEveryGoodOneInAMixedStream(KafkaCluster kafka) throws Exception {
        GenAiBatchConfig config = config(kafka, "mixed", "state");
        createTopics(config);
        Topics topics = Topics.from(config);
        AccumulatorMetrics poison = new AccumulatorMetrics() {
            @Override
            public void itemArrived(String groupKey, long requestBytes, java.util.function.Supplier<String> requestId) {
                if (requestId.get().startsWith("poison")) {
                    throw new IllegalStateException("unforeseen failure for " + requestId.get());
                }
            }
        };

        // Step 1: good requests with every kind of bad record in between
        Set<String> good = new HashSet<>();
        Map<String, String> expectedCode = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(config)) {
            for (int i = 0; i < 2_000; i++) {
                String key = "k" + i;
                byte[] value;
                String code = switch (i % 10) {
                    case 3 -> {
                        value = new byte[] {0x01, 0x02, 0x03};
                        yield ErrorCode.UNDECODABLE.code();
                    }
                    case 5 -> {
                        value = "{\"model\": \"gemini-2.5-flash\", \"request\": {\"contents\": []}}"
                                .getBytes(StandardCharsets.UTF_8);
                        yield ErrorCode.MISSING_KIND.code();
                    }
                    case 7 -> {
                        GenAiRequest empty = request(FLASH, RequestKind.GENERATE, "bad-" + i, "");
                        empty.setRequest("{\"contents\": []}");
                        value = REQUESTS.encode(empty, ValueFormat.JSON);
                        yield ErrorCode.EMPTY_CONTENTS.code();
                    }
                    case 9 -> {
                        value = REQUESTS.encode(
                                request(PRO, RequestKind.GENERATE, "poison-" + i, "x"), ValueFormat.AVRO);
                        yield ErrorCode.PROCESSING_FAILED.code();
                    }
                    default -> {
                        value = REQUESTS.encode(
                                request(
                                        i % 2 == 0 ? FLASH : EMBED,
                                        i % 2 == 0 ? RequestKind.GENERATE : RequestKind.EMBED,
                                        "good-" + i,
                                        "text " + i),
                                ValueFormat.AVRO);
                        yield null;
                    }
                };
                RecordMetadata m = producer.send(new ProducerRecord<>(topics.requests(), key.getBytes(), value))
                        .get();
                if (code == null) {
                    good.add(m.partition() + "@" + m.offset());
                } else {
                    expectedCode.put(key, code);
                }
            }
        }

        // Step 2: run the accumulator
        AccumulateRole role = new AccumulateRole(config, poison, Map.of());
        role.start();
        try (BatchLog log = new BatchLog(kafka.bootstrapServers(), topics.batches())) {
            // Step 3: every good request sealed once; every bad one answered once with its code, and in the DLQ
            log.pollUntil(l -> l.sealedItems() >= good.size(), Duration.ofSeconds(60), "every good request sealed");
            log.assertExact(good, MAX_REQUESTS::get, MAX_BYTES::get);
            Map<String, List<GenAiResponse>> responses = new HashMap<>();
            List<ConsumerRecord<byte[], byte[]>> dlq = new ArrayList<>();
            readUntil(
                    config,
                    topics.responses(),
                    r -> responses
                            .computeIfAbsent(new String(r.key()), k -> new ArrayList<>())
                            .add(RecordCodec.genAiResponse().decode(r.value())),
                    () -> responses.size() >= expectedCode.size(),
                    "every REJECTED response");
            readUntil(config, topics.dlq(), dlq::add, () -> dlq.size() >= expectedCode.size(), "every DLQ record");
            assertThat(responses.keySet()).isEqualTo(expectedCode.keySet());
            responses.forEach((key, list) -> {
                assertThat(list).as("responses of %s", key).hasSize(1);
                assertThat(list.get(0).getStatus()).isEqualTo(ResponseStatus.REJECTED);
                assertThat(list.get(0).getError().getCode())
                        .as("code of %s", key)
                        .isEqualTo(expectedCode.get(key));
            });
            assertThat(dlq)
                    .hasSize(expectedCode.size())
                    .allSatisfy(r -> assertThat(new String(
                                    r.headers().lastHeader(DlqHeaders.CODE).value()))
                            .isEqualTo(expectedCode.get(new String(r.key()))));
        } finally {
            role.close();
        }
    }

    @Test
    void shouldApplyAWindowChangeMadeWithTheCliWithinSecondsToTheOpenBatch(KafkaCluster kafka) throws Exception {
        GenAiBatchConfig config =
                config(kafka, "change", "state", null, Map.of("window.max-wait", "10m", "window.max-requests", "1000"));
        createTopics(config);
        AccumulateRole role = start(config);
        try (BatchLog log =
                new BatchLog(kafka.bootstrapServers(), Topics.from(config).batches())) {
            Set<String> sources = new HashSet<>(produceModel(config, FLASH, 0, 50));
            log.pollUntil(
                    l -> l.itemsByBatch.values().stream().mapToInt(List::size).sum() >= 50,
                    Duration.ofSeconds(30),
                    "50 items in the open batch");
            assertThat(log.seals).isEmpty();

            // ops shrink max-requests below the open batch's count: it is sealed within seconds, without restart
            List<String> cli =
                    new ArrayList<>(List.of("config", "set", "--model", FLASH, "--max-requests", "10", "--by", "it"));
            cli.addAll(flags(config));
            var result = io.genaibatch.cli.CliAccess.run(cli.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.err()).isZero();
            log.pollUntil(l -> l.seals.size() == 1, Duration.ofSeconds(10), "the open batch sealed by the change");
            assertThat(log.seals.values().iterator().next().getReason()).isEqualTo(SealReason.CONFIG_CHANGE);

            sources.addAll(produceModel(config, FLASH, 50, 20));
            log.pollUntil(l -> l.seals.size() == 3, Duration.ofSeconds(20), "two batches of the new size");
            assertThat(log.seals.values()).extracting(s -> s.getCount()).containsExactly(50, 10, 10);
        } finally {
            role.close();
        }
    }

    @Test
    void shouldKeepADisabledModelsRequestsOutOfBatchesWithOnlySmallPointersAndBatchEachOnceWhenEnabled(
            KafkaCluster kafka) throws Exception {
        GenAiBatchConfig config = config(kafka, "hold", "state");
        createTopics(config);
        Topics topics = Topics.from(config);
        WindowConfigClient windows = new WindowConfigClient(config);

        // Step 1: ops disable FLASH (what `config set --model gemini-2.5-flash --enabled false` writes); requests of
        // FLASH (2 KB each) and PRO arrive
        windows.write(FLASH, enabled(false));
        AccumulateRole role = start(config);
        try (BatchLog log = new BatchLog(kafka.bootstrapServers(), topics.batches())) {
            String text = "x".repeat(2_000);
            Set<String> flash = produceModel(config, FLASH, 0, 300, text);
            Set<String> pro = produceModel(config, PRO, 300, 300, text);
            long heldPayload = 300L * text.length();

            // Step 2: PRO is batched; nothing of FLASH reaches genai.batches
            log.pollUntil(l -> l.sealedItems() >= pro.size(), Duration.ofSeconds(60), "every PRO request sealed");
            log.drain(Duration.ofSeconds(3)); // longer than max-wait (2 s): a FLASH batch would have been sealed
            assertThat(log.itemsByBatch.values().stream().flatMap(List::stream))
                    .as("only PRO is batched")
                    .allSatisfy(item -> assertThat(item.getModel()).isEqualTo(PRO));
            log.assertExact(pro, MAX_REQUESTS::get, MAX_BYTES::get);

            // Step 3: the held store's changelog has one small pointer per held request, not the requests
            String changelog = config.get(io.genaibatch.config.ConfigKeys.ACCUMULATE_APPLICATION_ID) + "-"
                    + AccumulatorTopology.HELD_STORE + "-changelog";
            List<ConsumerRecord<byte[], byte[]>> pointers = readAll(config, changelog);
            assertThat(pointers).as("one pointer per held request").hasSize(flash.size());
            long changelogBytes = pointers.stream()
                    .mapToLong(r -> r.key().length + r.value().length)
                    .sum();
            assertThat(changelogBytes)
                    .as("changelog bytes against %s bytes of held payload", heldPayload)
                    .isLessThan(heldPayload / 20);
            assertThat(pointers).allSatisfy(r -> assertThat(r.value().length).isLessThan(32));

            // Step 4: enable FLASH: every held request reaches exactly one sealed batch, nothing else changes
            windows.write(FLASH, enabled(true));
            Set<String> all = new HashSet<>(pro);
            all.addAll(flash);
            assertEachSealedOnce(log, all, "every held request sealed after enable");
        } finally {
            role.close();
        }
    }

    @Test
    void shouldReleaseHeldRequestsOnceAfterARestartOnAFreshStateDirectory(KafkaCluster kafka) throws Exception {
        GenAiBatchConfig first = config(kafka, "hold-restart", "state-a");
        createTopics(first);
        Topics topics = Topics.from(first);
        WindowConfigClient windows = new WindowConfigClient(first);
        windows.write(FLASH, enabled(false));

        // Step 1: FLASH requests are held while PRO ones are batched; then the application stops
        AccumulateRole role = start(first);
        Set<String> flash;
        Set<String> pro;
        try (BatchLog log = new BatchLog(kafka.bootstrapServers(), topics.batches())) {
            flash = produceModel(first, FLASH, 0, 200, "held");
            pro = produceModel(first, PRO, 200, 50, "free");
            log.pollUntil(l -> l.sealedItems() >= pro.size(), Duration.ofSeconds(60), "every PRO request sealed");
        } finally {
            role.close();
        }

        // Step 2: restart on an empty state directory (another machine), enable FLASH: the pointers come back from
        // the changelog and every held request is batched, once
        AccumulatorCounters counters = new AccumulatorCounters();
        AccumulateRole again = new AccumulateRole(config(kafka, "hold-restart", "state-b", first), counters, Map.of());
        again.start();
        again.awaitRunning(Duration.ofSeconds(60));
        try (BatchLog log = new BatchLog(kafka.bootstrapServers(), topics.batches())) {
            windows.write(FLASH, enabled(true));
            Set<String> all = new HashSet<>(pro);
            all.addAll(flash);
            assertEachSealedOnce(log, all, "every held request sealed after the restart");
            assertThat(counters.snapshot()).doesNotContainKey("requests.held.lost");
        } finally {
            again.close();
        }
    }

    @Test
    void shouldAnswerHeldRequestsDeletedFromGenaiRequestsWithAnErrorAndReleaseTheOthers(KafkaCluster kafka)
            throws Exception {
        GenAiBatchConfig config = config(kafka, "hold-lost", "state");
        createTopics(config);
        Topics topics = Topics.from(config);
        WindowConfigClient windows = new WindowConfigClient(config);
        windows.write(FLASH, enabled(false));
        AccumulatorCounters counters = new AccumulatorCounters();
        AccumulateRole role = new AccumulateRole(config, counters, Map.of());
        role.start();
        role.awaitRunning(Duration.ofSeconds(60));
        try (BatchLog log = new BatchLog(kafka.bootstrapServers(), topics.batches());
                Admin admin = new KafkaClients(config).admin()) {
            // Step 1: 30 FLASH requests held, then deleted from genai.requests as retention would (log start moves)
            Set<String> gone = produceModel(config, FLASH, 0, 30, "gone");
            awaitCounter(counters, "requests.held", 30);
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.RecordsToDelete> upTo =
                    new HashMap<>();
            for (int p = 0; p < 6; p++) {
                var tp = new org.apache.kafka.common.TopicPartition(topics.requests(), p);
                long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                        .partitionResult(tp)
                        .get()
                        .offset();
                upTo.put(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(end));
            }
            admin.deleteRecords(upTo).all().get();

            // Step 2: 30 more held, still in the topic; enable: those are batched once, the deleted ones counted lost
            Set<String> kept = produceModel(config, FLASH, 30, 30, "kept");
            awaitCounter(counters, "requests.held", 60);
            windows.write(FLASH, enabled(true));
            assertEachSealedOnce(log, kept, "every request still in the topic sealed");
            assertThat(gone).doesNotContainAnyElementsOf(kept);
            awaitCounter(counters, "requests.held.lost", 30);

            // Step 3: each deleted one got exactly one ERROR response under its key (k0..k29), nothing else did
            Map<String, List<GenAiResponse>> responses = new HashMap<>();
            readUntil(
                    config,
                    topics.responses(),
                    r -> responses
                            .computeIfAbsent(new String(r.key()), k -> new ArrayList<>())
                            .add(RecordCodec.genAiResponse().decode(r.value())),
                    () -> responses.size() >= gone.size(),
                    "every lost request answered");
            assertThat(responses).hasSize(gone.size()).allSatisfy((key, list) -> {
                assertThat(Integer.parseInt(key.substring(1))).as(key).isBetween(0, 29);
                assertThat(list).as("responses of %s", key).singleElement().satisfies(r -> {
                    assertThat(r.getStatus()).isEqualTo(ResponseStatus.ERROR);
                    assertThat(r.getError().getCode()).isEqualTo(ErrorCode.HELD_REQUEST_LOST.code());
                });
            });
        } finally {
            role.close();
        }
    }

    // --- helpers ---

    /** Waits until {@code expected} are sealed, reads a second longer (a duplicate would come right after), checks exactness. */
    private static void assertEachSealedOnce(BatchLog log, Set<String> expected, String what) {
        log.pollUntil(l -> l.sealedItems() >= expected.size(), Duration.ofSeconds(60), what);
        log.drain(Duration.ofSeconds(1));
        log.assertExact(expected, MAX_REQUESTS::get, MAX_BYTES::get);
    }

    private GenAiBatchConfig config(KafkaCluster kafka, String name, String state) {
        return config(kafka, name, state, null, Map.of());
    }

    private GenAiBatchConfig config(KafkaCluster kafka, String name, String state, GenAiBatchConfig sameTopicsAs) {
        return config(kafka, name, state, sameTopicsAs, Map.of());
    }

    private final Map<String, String> prefixes = new HashMap<>();

    private GenAiBatchConfig config(
            KafkaCluster kafka, String name, String state, GenAiBatchConfig sameTopicsAs, Map<String, String> extra) {
        String prefix = prefixes.computeIfAbsent(name, KafkaCluster::uniquePrefix);
        Map<String, String> s = TestConfig.settings(kafka.bootstrapServers(), prefix);
        s.put("accumulate.application-id", prefix + "accumulator");
        s.put("accumulate.state-dir", stateDir.resolve(state).toString());
        s.put("window.max-wait", "2s");
        MAX_REQUESTS.forEach((m, v) -> s.put("window.models." + m + ".max-requests", v.toString()));
        MAX_BYTES.forEach((m, v) -> s.put("window.models." + m + ".max-bytes", v.toString()));
        s.putAll(extra);
        return GenAiBatchConfig.of(s);
    }

    private static List<String> flags(GenAiBatchConfig config) {
        Topics t = Topics.from(config);
        return List.of(
                "--bootstrap-servers",
                config.get(io.genaibatch.config.ConfigKeys.BOOTSTRAP_SERVERS),
                "--set",
                "topics.window-config=" + t.windowConfig());
    }

    private static void createTopics(GenAiBatchConfig config) throws Exception {
        try (Admin admin = new KafkaClients(config).admin()) {
            new TopicAdmin(admin).createMissing(Topics.from(config).specs());
            io.genaibatch.kafka.TopicReadiness.awaitServed(
                    admin,
                    Topics.from(config).specs().stream().map(s -> s.name()).toList(),
                    Duration.ofSeconds(30));
        }
    }

    private static AccumulateRole start(GenAiBatchConfig config) throws Exception {
        AccumulateRole role = new AccumulateRole(config, new AccumulatorCounters(), Map.of());
        role.start();
        role.awaitRunning(Duration.ofSeconds(60));
        return role;
    }

    private static KafkaProducer<byte[], byte[]> producer(GenAiBatchConfig config) {
        return new KafkaProducer<>(
                new KafkaClients(config).properties(Map.of("acks", "all", "linger.ms", 5)),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** Requests i0 .. i0+n over 3 models (one EMBED), random keys and sizes; returns their partition@offset. */
    private static Set<String> produce(GenAiBatchConfig config, int i0, int n) throws Exception {
        Random random = new Random(i0);
        String[] models = {FLASH, PRO, EMBED};
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(config)) {
            for (int i = i0; i < i0 + n; i++) {
                String model = models[i % 3];
                RequestKind kind = model.equals(EMBED) ? RequestKind.EMBED : RequestKind.GENERATE;
                String requestId = i % 2 == 0 ? "req-" + i : null; // half get an id derived from their offset
                GenAiRequest r = request(model, kind, requestId, "x".repeat(20 + random.nextInt(400)));
                sent.add(producer.send(new ProducerRecord<>(
                        Topics.from(config).requests(),
                        ("key-" + random.nextInt(5_000)).getBytes(),
                        REQUESTS.encode(r, i % 5 == 0 ? ValueFormat.JSON : ValueFormat.AVRO))));
            }
            producer.flush();
        }
        Set<String> sources = new HashSet<>();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            sources.add(m.partition() + "@" + m.offset());
        }
        return sources;
    }

    private static Set<String> produceModel(GenAiBatchConfig config, String model, int i0, int n) throws Exception {
        return produceModel(config, model, i0, n, "t");
    }

    /** n requests of one model with this text, keys k{i0}.. spread over the partitions; returns their partition@offset. */
    private static Set<String> produceModel(GenAiBatchConfig config, String model, int i0, int n, String text)
            throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(config)) {
            for (int i = i0; i < i0 + n; i++) {
                sent.add(producer.send(new ProducerRecord<>(
                        Topics.from(config).requests(),
                        ("k" + i).getBytes(),
                        REQUESTS.encode(request(model, RequestKind.GENERATE, "c-" + i, text), ValueFormat.AVRO))));
            }
            producer.flush();
        }
        Set<String> sources = new HashSet<>();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            sources.add(m.partition() + "@" + m.offset());
        }
        return sources;
    }

    private static void awaitCounter(AccumulatorCounters counters, String name, long value) {
        Await.until(
                "counter " + name + " to reach " + value,
                Duration.ofSeconds(30),
                () -> counters.snapshot().getOrDefault(name, 0L),
                count -> count >= value);
        assertThat(counters.snapshot().get(name)).as(name).isEqualTo(value);
    }

    private static io.genaibatch.records.WindowPolicy enabled(boolean enabled) {
        return io.genaibatch.records.WindowPolicy.newBuilder()
                .setEnabled(enabled)
                .setUpdatedBy("it")
                .setUpdatedAt(java.time.Instant.now())
                .build();
    }

    /** Every committed record of a topic, from the start to its current end. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(GenAiBatchConfig config, String topic) {
        return TopicReader.readToEnd(new KafkaClients(config).properties(Map.of()), topic, Duration.ofSeconds(30));
    }

    private static GenAiRequest request(String model, RequestKind kind, String requestId, String text) {
        String json = kind == RequestKind.EMBED
                ? "{\"content\":{\"parts\":[{\"text\":\"" + text + "\"}]}}"
                : "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + text + "\"}]}]}";
        return GenAiRequest.newBuilder()
                .setModel(model)
                .setKind(kind)
                .setRequest(json)
                .setMetadata(Map.of("i", requestId == null ? "-" : requestId))
                .setRequestId(requestId)
                .build();
    }

    private static void readUntil(
            GenAiBatchConfig config,
            String topic,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink,
            java.util.function.BooleanSupplier done,
            String what) {
        TopicReader.readUntil(
                new KafkaClients(config).properties(Map.of()), topic, sink, done, what, Duration.ofSeconds(30));
    }
}
