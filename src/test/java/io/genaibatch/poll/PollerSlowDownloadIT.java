package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.text;
import static io.genaibatch.poll.PollFixture.utf8;
import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.RecordedRequest;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A results download longer than max.poll.interval.ms (hardening #14, finding 11): the member that downloads stays
 * in its group, so the job is downloaded once, and a cut download resumes where it stopped.
 */
@ExtendWith(KafkaCluster.class)
class PollerSlowDownloadIT {
    /**
     * The group's max.poll.interval.ms here, the lowest the configuration accepts with the submitter's timeouts at
     * their minimum (submit.shutdown-timeout + submit.jobs-read-timeout + submit.tombstone-budget must be shorter, as
     * must a Gemini call with its retries); the download below takes about twice as long.
     */
    private static final int MAX_POLL_INTERVAL_MS = 12_000;

    private static final int BYTES_PER_SECOND = 500;
    private static final long CUT_AFTER = 5_000;

    @Test
    void shouldDownloadOnceAndStayInTheGroupWhenTheDownloadOutlastsMaxPollInterval(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        // An inline job answered with a responses file (no upload to slow down), downloaded at 500 bytes/s; jobs
        // stay PENDING until the test finishes them.
        EmulatorOptions slow = EmulatorOptions.builder()
                .inlineJobsAnswerFile(true)
                .throttleBytesPerSecond(BYTES_PER_SECOND)
                .pendingMillis(600_000)
                .build();
        Map<String, String> overrides = Map.of(
                "kafka.properties.max.poll.interval.ms",
                Integer.toString(MAX_POLL_INTERVAL_MS),
                // Checked against max.poll.interval.ms when the configuration loads; the submitter is not run here.
                "submit.shutdown-timeout",
                "1s",
                "submit.jobs-read-timeout",
                "10s",
                "submit.tombstone-budget",
                "0s",
                // and so is a Gemini call with its retries (a download is not one: it runs while the poller polls),
                "gemini.retry.max-elapsed",
                "5s",
                "gemini.request-timeout",
                "5s",
                // and the read of genai.jobs must outlast a transaction left open there.
                "kafka.properties.transaction.timeout.ms",
                "9000");
        try (PollFixture f = PollFixture.start(kafka, "slowdownload", slow, dir, overrides)) {
            // Step 1: a 45-item job, submitted, and two pollers of one group (each its own cache, as on two
            // machines) that have shared the two partitions of genai.jobs
            PollFixture.Batch batch = f.writeBatch("b-slow", RequestKind.GENERATE, 45, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.writeJob(batch, jobName, InputMode.INLINE);
            f.startPoller();
            f.startPoller(
                    PollerHooks.NONE,
                    Map.of("poll.cache-dir", dir.resolve("cache-b").toString()));
            awaitOnePartitionEach(f, Duration.ofSeconds(60));

            // Step 2: the job finishes; its responses file takes about 2 x max.poll.interval.ms to download
            f.emulator.finishNow(jobName);

            // Step 3: every request answered once with its own answer, from one download
            f.awaitPublished("b-slow");
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            for (BatchItem item : batch.items()) {
                GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(text(r.getResponse()))
                        .isEqualTo("echo: " + batch.prompts().get(item.getRequestId()));
            }
            List<RecordedRequest> downloads = f.emulator.recordedRequests().stream()
                    .filter(r -> r.path().endsWith(":download"))
                    .toList();
            assertThat(downloads).as("download requests").hasSize(1);
            assertThat(f.emulator.bytesDownloaded() * 1000 / BYTES_PER_SECOND)
                    .as("ms the download took")
                    .isGreaterThan(2L * MAX_POLL_INTERVAL_MS);
            // No ping-pong: the members that shared the partitions before the download still do
            assertThat(onePartitionEach(f))
                    .as("each poller still owns one partition")
                    .isTrue();
        }
    }

    @Test
    void shouldResumeACutDownloadWithARangeRequestAtTheNextRound(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        EmulatorOptions fileAnswers =
                EmulatorOptions.builder().inlineJobsAnswerFile(true).build();
        try (PollFixture f = PollFixture.start(kafka, "cutdownload", fileAnswers, dir)) {
            // Step 1: a finished 40-item job (a responses file of some 13 kB) whose download is cut after 5,000 bytes
            PollFixture.Batch batch = f.writeBatch("b-cut", RequestKind.GENERATE, 40, 1);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.finishNow(jobName);
            f.emulator.cutNextDownload(CUT_AFTER);
            f.writeJob(batch, jobName, InputMode.INLINE);

            // Step 2: the round fails at the cut (the poller's client does not retry); the next one resumes
            f.startPoller();
            f.awaitPublished("b-cut");
            f.assertOneResponsePerKey(batch);
            List<RecordedRequest> downloads = f.emulator.recordedRequests().stream()
                    .filter(r -> r.path().endsWith(":download"))
                    .toList();
            assertThat(downloads).as("download requests").hasSize(2);
            assertThat(downloads.get(1).header("Range")).isEqualTo("bytes=" + CUT_AFTER + "-");
            // The file's size, learnt by downloading it once more: the API refuses getFile on output files, whose
            // names are longer than its 40-character limit
            long served = f.emulator.bytesDownloaded();
            long size = f.api.downloadFile(
                    f.api.get(jobName).output().responsesFile().orElseThrow(), dir.resolve("whole.jsonl"));
            assertThat(size).isGreaterThan(2L * CUT_AFTER);
            assertThat(served).as("bytes served, the cut part included").isEqualTo(size);
        }
    }

    /** Waits until the poll group has two members with one genai.jobs partition each. */
    private static void awaitOnePartitionEach(PollFixture f, Duration timeout) {
        try (Admin admin = new KafkaClients(f.config).admin()) {
            Await.until("the two pollers sharing the partitions, one each", timeout, () -> onePartitionEach(f, admin));
        }
    }

    private static boolean onePartitionEach(PollFixture f) throws Exception {
        try (Admin admin = new KafkaClients(f.config).admin()) {
            return onePartitionEach(f, admin);
        }
    }

    private static boolean onePartitionEach(PollFixture f, Admin admin) throws Exception {
        String group = f.config.get(io.genaibatch.config.ConfigKeys.POLL_GROUP_ID);
        ConsumerGroupDescription d;
        try {
            d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return false; // the pollers have not joined yet
            }
            throw e;
        }
        Collection<MemberDescription> members = d.members();
        return members.size() == 2
                && members.stream()
                        .allMatch(m -> m.assignment().topicPartitions().size() == 1);
    }
}
