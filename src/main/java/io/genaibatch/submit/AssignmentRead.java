package io.genaibatch.submit;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The read of genai.jobs a submitter makes when partitions are assigned, on its own, with the submitter's clients
 * and settings: for measuring it against a long history (the jobs-history benchmark). Writes nothing.
 */
public final class AssignmentRead {
    /** What one read found: batches kept (may be read again), and job records it would tombstone. */
    public record Result(int kept, int retentionPassed) {}

    private AssignmentRead() {}

    /**
     * @param committed genai.batches partition → the group's committed offset (-1 for none)
     * @param logStarts genai.batches partition → its log start offset
     */
    public static Result read(GenAiBatchConfig config, Map<Integer, Long> committed, Map<Integer, Long> logStarts) {
        KafkaClients clients = new KafkaClients(config);
        String clientId = "genai-batch-assignment-read";
        try (KafkaConsumer<String, byte[]> jobs = Submitter.jobsConsumer(clients, clientId);
                KafkaConsumer<String, byte[]> ends = Submitter.jobsEnds(clients, clientId)) {
            KnownJobs known = new KnownJobs();
            int kept = known.load(
                    jobs,
                    ends,
                    config.get(ConfigKeys.TOPIC_JOBS),
                    committed,
                    logStarts,
                    RecordCodec.batchJob(),
                    config.get(ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT));
            return new Result(kept, known.retentionPassed().size());
        }
    }
}
