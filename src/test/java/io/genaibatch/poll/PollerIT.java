package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.header;
import static io.genaibatch.poll.PollFixture.headerKeys;
import static io.genaibatch.poll.PollFixture.text;
import static io.genaibatch.poll.PollFixture.utf8;
import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The poller against a real broker and the emulator: what each kind of finished job becomes on genai.responses. */
@ExtendWith(KafkaCluster.class)
class PollerIT {

    @Test
    void shouldPublishOneRightResponsePerKeyForAnInlineGenerateJob(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "inline", EmulatorOptions.defaults(), dir)) {
            // Step 1: a sealed batch of 35 items (interleaved with a decoy batch) and its inline job, PENDING
            PollFixture.Batch batch = f.submitted("b-inline", RequestKind.GENERATE, 35, 1, InputMode.INLINE);

            // Step 2: the poller runs
            Poller poller = f.startPoller();

            // Step 3: the job went SUCCEEDED then PUBLISHED, and each key got its own answer, once
            List<BatchJob> history = f.awaitJobHistory(
                    "b-inline", j -> j.getState() == JobState.PUBLISHED, java.time.Duration.ofSeconds(60));
            assertThat(history)
                    .extracting(BatchJob::getState)
                    .containsSubsequence(JobState.PENDING, JobState.SUCCEEDED, JobState.PUBLISHED);
            BatchJob published = history.get(history.size() - 1);
            assertThat(published.getPublishedThrough()).isEqualTo(35);
            assertThat(published.getEndedAt()).isNotNull();
            assertThat(history)
                    .filteredOn(j -> j.getState() == JobState.SUCCEEDED)
                    .extracting(BatchJob::getPublishedThrough)
                    .as("publication progress, chunk by chunk")
                    .containsExactly(0L, 10L, 20L, 30L);

            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            long promptTokens = 0;
            for (BatchItem item : batch.items()) {
                ConsumerRecord<byte[], byte[]> record = byKey.get(utf8(item.getKey()));
                GenAiResponse r = value(record);
                String prompt = batch.prompts().get(item.getRequestId());
                assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(r.getRequestId()).isEqualTo(item.getRequestId());
                assertThat(text(r.getResponse()))
                        .as("answer to %s", item.getRequestId())
                        .isEqualTo("echo: " + prompt);
                assertThat(r.getUsage()).isNotNull();
                assertThat(r.getUsage().getPromptTokens()).isEqualTo(prompt.split(" ").length);
                assertThat(r.getUsage().getTotalTokens())
                        .isEqualTo(r.getUsage().getPromptTokens() + r.getUsage().getCandidatesTokens())
                        .isPositive();
                promptTokens += r.getUsage().getPromptTokens();
                assertThat(r.getMetadata()).isEqualTo(item.getMetadata());
                assertThat(r.getModel()).isEqualTo(PollFixture.MODEL);
                assertThat(r.getKind()).isEqualTo(RequestKind.GENERATE);
                assertThat(r.getBatchId()).isEqualTo("b-inline");
                assertThat(r.getJobName()).isEqualTo(published.getJobName());
                assertThat(r.getReceivedAt()).isEqualTo(item.getReceivedAt());
                assertThat(r.getCompletedAt()).isNotNull();
                assertThat(r.getError()).isNull();
                List<String> expected = new java.util.ArrayList<>(
                        item.getHeaders().stream().map(h -> h.getKey()).toList());
                expected.addAll(List.of("genai-batch.attempt", "genai-batch.root-batch-id"));
                assertThat(headerKeys(record))
                        .as("the request's headers in order, then the answering attempt's")
                        .containsExactlyElementsOf(expected);
                assertThat(header(record, "genai-batch.attempt")).contains("1");
                assertThat(header(record, "genai-batch.root-batch-id")).contains("b-inline");
                assertThat(header(record, "correlation-id")).contains("c-" + utf8(item.getKey()));
            }
            PollerCounters.Snapshot counted = poller.counters().snapshot();
            assertThat(counted.responses(ResponseStatus.SUCCEEDED)).isEqualTo(35);
            assertThat(counted.promptTokens()).isEqualTo(promptTokens);
            assertThat(counted.jobStates().get(JobState.PUBLISHED)).isEqualTo(1);
            assertThat(counted.chunks()).isEqualTo(4);
        }
    }

    @Test
    void shouldMapFileJobResultsByKeyForGenerateAndEmbeddings(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "file", EmulatorOptions.defaults(), dir)) {
            // Step 1: a generate batch and an embeddings batch, both as uploaded JSONL files, on two partitions
            PollFixture.Batch generate = f.submitted("b-file-gen", RequestKind.GENERATE, 30, 0, InputMode.FILE);
            PollFixture.Batch embed = f.submitted("b-file-emb", RequestKind.EMBED, 25, 1, InputMode.FILE);

            // Step 2
            f.startPoller();

            // Step 3: one right response per key; embeddings carry the values the model computed for that text
            f.awaitPublished("b-file-gen");
            f.awaitPublished("b-file-emb");
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(generate, embed);
            for (BatchItem item : generate.items()) {
                GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(text(r.getResponse()))
                        .isEqualTo("echo: " + generate.prompts().get(item.getRequestId()));
                assertThat(r.getUsage().getTotalTokens()).isPositive();
            }
            for (BatchItem item : embed.items()) {
                GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(r.getKind()).isEqualTo(RequestKind.EMBED);
                assertThat(r.getModel()).isEqualTo(PollFixture.EMBED_MODEL);
                JsonNode values = PollFixture.JSON
                        .readTree(r.getResponse())
                        .path("embedding")
                        .path("values");
                assertThat(values.size()).isEqualTo(PollFixture.EMBED_DIMENSION);
                float[] expected =
                        emulatorVector(embed.prompts().get(item.getRequestId()), PollFixture.EMBED_DIMENSION);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(values.get(i).floatValue())
                            .as("value %d of %s", i, item.getRequestId())
                            .isEqualTo(expected[i]);
                }
            }
        }
    }

    /** The emulator's deterministic embedding of a text (its "model"), to check each vector is its request's. */
    private static float[] emulatorVector(String text, int dimension) throws Exception {
        Method m = Class.forName("io.genaibatch.emulator.AnswerGenerator")
                .getDeclaredMethod("vector", String.class, int.class);
        m.setAccessible(true);
        return (float[]) m.invoke(null, text, dimension);
    }
}
