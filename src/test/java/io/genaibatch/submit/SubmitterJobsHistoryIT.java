package io.genaibatch.submit;

import static io.genaibatch.submit.SubmitItSupport.assertOneJobEach;
import static io.genaibatch.submit.SubmitItSupport.await;
import static io.genaibatch.submit.SubmitItSupport.committedOffsets;
import static io.genaibatch.submit.SubmitItSupport.committedPast;
import static io.genaibatch.submit.SubmitItSupport.generate;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import io.genaibatch.submit.SubmitItSupport.BatchesTopic;
import io.genaibatch.submit.SubmitItSupport.JobsTopic;
import io.genaibatch.submit.SubmitItSupport.TestBatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * genai.jobs must not grow for ever (it is read whole at every assignment): a finished job whose batch retention
 * took from genai.batches is tombstoned, and nothing else is.
 */
@ExtendWith(KafkaCluster.class)
class SubmitterJobsHistoryIT {
    private static GeminiEmulator emulator;
    private static BatchApi api;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEmulator() throws Exception {
        emulator = GeminiEmulator.start(EmulatorOptions.builder().runningMillis(60_000).build());
        api = SubmitItSupport.api(emulator);
    }

    @AfterAll
    static void stopEmulator() {
        api.close();
        emulator.close();
    }

    @Test
    void shouldTombstoneOnlyFinishedJobsWhoseBatchRetentionDeletedAndNeverCreateOneTwice(KafkaCluster kafka)
            throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-history");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch publishedA = generate(prefix + "a", 2, 20);
        TestBatch publishedB = generate(prefix + "b", 3, 20);
        TestBatch running = generate(prefix + "c", 2, 20);
        TestBatch publishedKept = generate(prefix + "d", 2, 20);
        List<String> ids = List.of(publishedA.batchId(), publishedB.batchId(), running.batchId(),
                publishedKept.batchId());
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
             JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            // Step 1: four batches on one partition get their jobs; the submitter stops
            batches.partition = 0;
            batches.write(publishedA, publishedB, running);
            batches.write(publishedKept);
            try (Submitter submitter = new Submitter(config, api)) {
                submitter.start();
                jobs.awaitRecorded(ids);
                await(() -> committedPast(config, prefix, batches), "offsets committed past every seal");
            }
            // Step 2: the poller publishes three of them; the fourth job still runs
            Map<String, List<BatchJob>> history = jobs.readToEnd();
            for (TestBatch b : List.of(publishedA, publishedB, publishedKept)) {
                List<BatchJob> records = history.get(b.batchId());
                SubmitItSupport.writeJobRecord(kafka, prefix + "jobs", BatchJob.newBuilder(records.get(records.size() - 1))
                        .setState(JobState.PUBLISHED).setPublishedThrough(b.items().size()).build());
            }
            // Step 3: retention deletes genai.batches up to the last batch's first item
            long keptFrom = batches.placed.get(publishedKept.batchId()).firstItemOffset();
            try (Admin admin = new KafkaClients(config).admin()) {
                admin.deleteRecords(Map.of(new TopicPartition(prefix + "batches", 0),
                        RecordsToDelete.beforeOffset(keptFrom))).all().get();
            }

            // Step 4: restarted, the submitter tombstones the two finished jobs retention passed, and only them
            try (Submitter submitter = new Submitter(config, api)) {
                submitter.start();
                jobs.awaitUntil(h -> jobs.tombstoned.containsAll(List.of(publishedA.batchId(), publishedB.batchId())),
                        "tombstones for the published batches retention deleted");
                // They are written in one transaction: whatever else it holds is visible now too.
                jobs.readToEnd();
                assertThat(jobs.tombstoned).containsExactlyInAnyOrder(publishedA.batchId(), publishedB.batchId());
                assertThat(jobs.history.get(running.batchId())).last().extracting(BatchJob::getState)
                        .isNotEqualTo(JobState.PUBLISHED);
                assertThat(jobs.history.get(publishedKept.batchId())).last().extracting(BatchJob::getState)
                        .isEqualTo(JobState.PUBLISHED);
            }

            // Step 5: a submitter of a new group reads genai.batches from its start: nothing is created again
            String otherGroup = prefix + "submit-other";
            GenAiBatchConfig other = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.group-id", otherGroup));
            long end = batches.placed.get(publishedKept.batchId()).sealOffset();
            try (Submitter submitter = new Submitter(other, api)) {
                submitter.start();
                await(() -> committedOffset(other, otherGroup) > end, "the other group's offsets past the last seal");
            }
            for (String id : ids) {
                assertThat(emulator.jobsCreatedFor(id)).as("jobs created for %s", id).isEqualTo(1);
            }
            assertOneJobEach(emulator, Map.of(running.batchId(), jobs.readToEnd().get(running.batchId())),
                    List.of(running.batchId()));
        }
    }

    private static long committedOffset(GenAiBatchConfig config, String group) {
        try {
            return committedOffsets(config, group).getOrDefault(0, -1L);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
