package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.text;
import static io.genaibatch.poll.PollFixture.utf8;
import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the real service has been seen to do to results (docs/PROTOCOL.md, "Real-service behaviour"):
 * inline results out of order or without their key, output in the other form than the input, per-request errors,
 * dropped results. Each key still gets exactly one response, and never one that belongs to another request.
 */
@ExtendWith(KafkaCluster.class)
class PollerResultFaultsIT {

    @Test
    void shouldAnswerResponseTooLargeForAnAnswerOverTheRecordLimitAndPublishTheRest(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "toolarge", EmulatorOptions.defaults(), dir)) {
            // Step 1: four requests; the API's answer to r-2 is 1.5 MB, over Kafka's 1 MB record limit
            PollFixture.Batch batch = f.writeBatch(
                    "b-large",
                    RequestKind.GENERATE,
                    4,
                    0,
                    i -> "question " + i + (i == 2 ? " [emulator:answer-bytes=1500000]" : ""));
            f.writeJob(batch, f.createJob(batch, InputMode.FILE), InputMode.FILE);

            // Step 2: the poller publishes the job, instead of retrying a chunk Kafka refuses
            f.startPoller();
            f.awaitPublished("b-large");

            // Step 3: r-2 is answered ERROR RESPONSE_TOO_LARGE, with its usage and where to find the answer;
            // the others are answered as usual
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            GenAiResponse large = RecordCodec.genAiResponse()
                    .decode(byKey.get(utf8(batch.item("r-2").getKey())).value());
            assertThat(large.getStatus()).isEqualTo(ResponseStatus.ERROR);
            assertThat(large.getError().getCode()).isEqualTo("RESPONSE_TOO_LARGE");
            assertThat(large.getError().getMessage())
                    .contains("genai.requests-0-2")
                    .contains(large.getJobName())
                    .contains("max.request.size");
            assertThat(large.getUsage())
                    .as("the tokens were billed all the same")
                    .isNotNull();
            assertThat(large.getUsage().getCandidatesTokens()).isGreaterThan(100_000);
            for (String id : List.of("r-0", "r-1", "r-3")) {
                GenAiResponse r = RecordCodec.genAiResponse()
                        .decode(byKey.get(utf8(batch.item(id).getKey())).value());
                assertThat(r.getStatus()).as(id).isEqualTo(ResponseStatus.SUCCEEDED);
            }
        }
    }

    @Test
    void shouldMapShuffledInlineResultsByKeyNotByPosition(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        EmulatorOptions shuffled =
                EmulatorOptions.builder().inlineOutOfOrder(true).seed(7).build();
        try (PollFixture f = PollFixture.start(kafka, "shuffled", shuffled, dir)) {
            PollFixture.Batch batch = f.submitted("b-shuffled", RequestKind.GENERATE, 40, 0, InputMode.INLINE);

            f.startPoller();

            f.awaitPublished("b-shuffled");
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            for (BatchItem item : batch.items()) {
                GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(text(r.getResponse()))
                        .isEqualTo("echo: " + batch.prompts().get(item.getRequestId()));
            }
        }
    }

    @Test
    void shouldAttachNoInlineResultWithoutItsKeyAndAnswerThoseRequestsResultMissing(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        EmulatorOptions keyless = EmulatorOptions.builder()
                .inlineOutOfOrder(true)
                .dropInlineMetadata(true)
                .build();
        try (PollFixture f = PollFixture.start(kafka, "keyless", keyless, dir)) {
            PollFixture.Batch batch = f.submitted("b-keyless", RequestKind.GENERATE, 25, 1, InputMode.INLINE);

            Poller poller = f.startPoller();

            f.awaitPublished("b-keyless");
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            for (ConsumerRecord<byte[], byte[]> record : byKey.values()) {
                GenAiResponse r = value(record);
                assertThat(r.getStatus())
                        .as("no result can be attached without its key")
                        .isEqualTo(ResponseStatus.ERROR);
                assertThat(r.getError().getCode()).isEqualTo("RESULT_MISSING");
                assertThat(r.getError().getMessage()).contains(r.getRequestId()).contains("b-keyless");
                assertThat(r.getResponse()).isNull();
            }
            assertThat(poller.counters().snapshot().unattachedResults()).isEqualTo(25);
        }
    }

    @Test
    void shouldReadWhicheverOutputFormTheFinishedJobHas(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        EmulatorOptions swapped = EmulatorOptions.builder()
                .fileJobsAnswerInline(true)
                .inlineJobsAnswerFile(true)
                .build();
        try (PollFixture f = PollFixture.start(kafka, "swapped", swapped, dir)) {
            // A file job whose output comes back inline, and an inline job whose output comes back as a file
            PollFixture.Batch fileJob =
                    f.submitted("b-file-answered-inline", RequestKind.GENERATE, 20, 0, InputMode.FILE);
            PollFixture.Batch embedJob =
                    f.submitted("b-embed-answered-inline", RequestKind.EMBED, 10, 0, InputMode.FILE);
            PollFixture.Batch inlineJob =
                    f.submitted("b-inline-answered-file", RequestKind.GENERATE, 20, 1, InputMode.INLINE);

            f.startPoller();

            f.awaitPublished("b-file-answered-inline");
            f.awaitPublished("b-embed-answered-inline");
            f.awaitPublished("b-inline-answered-file");
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(fileJob, embedJob, inlineJob);
            for (PollFixture.Batch b : new PollFixture.Batch[] {fileJob, inlineJob}) {
                for (BatchItem item : b.items()) {
                    GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                    assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                    assertThat(text(r.getResponse()))
                            .isEqualTo("echo: " + b.prompts().get(item.getRequestId()));
                }
            }
            for (BatchItem item : embedJob.items()) {
                GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(PollFixture.JSON
                                .readTree(r.getResponse())
                                .at("/embedding/values")
                                .size())
                        .isEqualTo(PollFixture.EMBED_DIMENSION);
            }
        }
    }

    @Test
    void shouldPublishPerRequestErrorsAndNameTheCauseOfMissingResults(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        EmulatorOptions faulty = EmulatorOptions.builder()
                .requestErrorRate(0.25)
                .requestErrorCode(500)
                .missingResultRate(0.2)
                .seed(3)
                .build();
        try (PollFixture f = PollFixture.start(kafka, "errors", faulty, dir)) {
            PollFixture.Batch file = f.submitted("b-errors-file", RequestKind.GENERATE, 40, 0, InputMode.FILE);
            PollFixture.Batch inline = f.submitted("b-errors-inline", RequestKind.GENERATE, 40, 1, InputMode.INLINE);

            Poller poller = f.startPoller();

            f.awaitPublished("b-errors-file");
            f.awaitPublished("b-errors-inline");
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(file, inline);
            int succeeded = 0;
            int requestErrors = 0;
            int missing = 0;
            for (PollFixture.Batch b : new PollFixture.Batch[] {file, inline}) {
                for (BatchItem item : b.items()) {
                    GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                    switch (r.getStatus()) {
                        case SUCCEEDED -> {
                            succeeded++;
                            assertThat(text(r.getResponse()))
                                    .isEqualTo("echo: " + b.prompts().get(item.getRequestId()));
                        }
                        case ERROR -> {
                            assertThat(r.getResponse()).isNull();
                            if (r.getError().getCode().equals("RESULT_MISSING")) {
                                missing++;
                                assertThat(r.getError().getHttpStatus()).isNull();
                            } else {
                                requestErrors++;
                                assertThat(r.getError().getCode()).isEqualTo("INTERNAL");
                                assertThat(r.getError().getHttpStatus()).isEqualTo(500);
                                assertThat(r.getError().getMessage()).contains("Injected per-request error");
                            }
                        }
                        default ->
                            throw new AssertionError(
                                    "unexpected status " + r.getStatus() + " for " + item.getRequestId());
                    }
                }
            }
            assertThat(succeeded).as("successes").isPositive();
            assertThat(requestErrors).as("per-request errors").isPositive();
            assertThat(missing).as("missing results").isPositive();
            PollerCounters.Snapshot counted = poller.counters().snapshot();
            assertThat(counted.responses(ResponseStatus.ERROR)).isEqualTo(requestErrors + missing);
            assertThat(counted.responses(ResponseStatus.SUCCEEDED)).isEqualTo(succeeded);
        }
    }
}
