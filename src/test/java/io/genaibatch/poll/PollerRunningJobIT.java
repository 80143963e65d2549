package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.text;
import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What the poller does for a job while it still runs at the API, ahead of its end. */
@ExtendWith(KafkaCluster.class)
class PollerRunningJobIT {

    /**
     * The items are indexed while the job runs, not once it has ended: the publication then starts with the
     * download. Shown by taking the items away from genai.batches after the poller has seen the job RUNNING and
     * before the job ends: every request is still answered, from the index.
     */
    @Test
    void shouldIndexARunningJobsItemsSoThatItsPublicationNeedsNotReadThemAgain(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // The job runs until the test ends it
        EmulatorOptions emulator = EmulatorOptions.builder()
                .pendingMillis(0)
                .runningMillis(600_000)
                .build();
        try (PollFixture f = PollFixture.start(kafka, "running", emulator, dir)) {
            // Step 1: a 25-item FILE job; the poller records it RUNNING and checks it once more after that round
            PollFixture.Batch batch = f.submitted("b-running", RequestKind.GENERATE, 25, 1, InputMode.FILE);
            Poller poller = f.startPoller();
            BatchJob running =
                    last(f.awaitJobHistory("b-running", j -> j.getState() == JobState.RUNNING, Duration.ofSeconds(60)));
            awaitChecksOf(f, running.getJobName(), 2);

            // Step 2: every record of the batch is deleted from genai.batches, then the job ends
            try (Admin admin = new KafkaClients(f.config).admin()) {
                admin.deleteRecords(Map.of(
                                new TopicPartition(f.topics.batches(), batch.partition()),
                                RecordsToDelete.beforeOffset(batch.lastOffset() + 1)))
                        .all()
                        .get();
            }
            f.emulator.finishNow(running.getJobName());

            // Step 3: each request answered once, with its own answer, from the items indexed while it ran
            BatchJob done = f.awaitPublished("b-running");
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            for (ConsumerRecord<byte[], byte[]> r : byKey.values()) {
                GenAiResponse response = value(r);
                assertThat(response.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(text(response.getResponse()))
                        .isEqualTo("echo: " + batch.prompts().get(response.getRequestId()));
            }
            assertThat(done.getPublishedThrough()).isEqualTo(25);
            assertThat(poller.counters().snapshot().responses(ResponseStatus.SUCCEEDED))
                    .isEqualTo(25);
        }
    }

    private static BatchJob last(java.util.List<BatchJob> history) {
        return history.get(history.size() - 1);
    }

    /**
     * Waits until the emulator has been asked about the job {@code n} times: the poller works on one thread, so a
     * check after the one that found the job RUNNING means the round of that check has ended.
     */
    private static void awaitChecksOf(PollFixture f, String jobName, int n) {
        Await.until(
                "the poller checking " + jobName + " " + n + " times",
                Duration.ofSeconds(60),
                () -> f.emulator.recordedRequests().stream()
                        .filter(r -> r.method().equals("GET") && r.path().endsWith(jobName))
                        .count(),
                checks -> checks >= n);
    }
}
