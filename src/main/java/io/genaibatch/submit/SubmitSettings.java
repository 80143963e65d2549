package io.genaibatch.submit;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The submitter's view of the configuration ({@code submit.*}, topic names, value format), read once.
 *
 * @param instanceId part of the transactional.id and of thread names: {@code submit.instance-id}, or when unset
 *                   the {@link InstanceSlot} this instance holds (stable per host, spool directory and group)
 */
record SubmitSettings(
        String batchesTopic,
        String jobsTopic,
        ValueFormat valueFormat,
        String groupId,
        Path spoolDir,
        long inlineMaxBytes,
        int maxJobsInFlight,
        Duration retryInitialBackoff,
        Duration retryMaxBackoff,
        int listPageSize,
        Duration createLookupWindow,
        Duration jobsReadTimeout,
        Duration shutdownTimeout,
        Duration rangeReadTimeout,
        Duration tombstoneBudget,
        String instanceId) {

    SubmitSettings {
        Objects.requireNonNull(batchesTopic, "batchesTopic");
        Objects.requireNonNull(jobsTopic, "jobsTopic");
        Objects.requireNonNull(valueFormat, "valueFormat");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(spoolDir, "spoolDir");
        Objects.requireNonNull(retryInitialBackoff, "retryInitialBackoff");
        Objects.requireNonNull(retryMaxBackoff, "retryMaxBackoff");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(createLookupWindow, "createLookupWindow");
        Objects.requireNonNull(jobsReadTimeout, "jobsReadTimeout");
        Objects.requireNonNull(rangeReadTimeout, "rangeReadTimeout");
        Objects.requireNonNull(tombstoneBudget, "tombstoneBudget");
        Objects.requireNonNull(instanceId, "instanceId");
        if (maxJobsInFlight < 1) {
            throw new IllegalArgumentException("maxJobsInFlight must be >= 1, found " + maxJobsInFlight);
        }
    }

    /** @param defaultInstanceId used when submit.instance-id is unset */
    static SubmitSettings from(GenAiBatchConfig config, Supplier<String> defaultInstanceId) {
        Topics topics = Topics.from(config);
        Optional<String> instance = config.find(ConfigKeys.SUBMIT_INSTANCE_ID);
        return new SubmitSettings(
                topics.batches(),
                topics.jobs(),
                new KafkaClients(config).valueFormat(),
                config.get(ConfigKeys.SUBMIT_GROUP_ID),
                Path.of(config.get(ConfigKeys.SUBMIT_SPOOL_DIR)),
                config.get(ConfigKeys.SUBMIT_INLINE_MAX_BYTES),
                config.get(ConfigKeys.SUBMIT_MAX_JOBS_IN_FLIGHT),
                config.get(ConfigKeys.SUBMIT_RETRY_INITIAL_BACKOFF),
                config.get(ConfigKeys.SUBMIT_RETRY_MAX_BACKOFF),
                config.get(ConfigKeys.SUBMIT_LIST_PAGE_SIZE),
                config.get(ConfigKeys.SUBMIT_CREATE_LOOKUP_WINDOW),
                config.get(ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT),
                config.get(ConfigKeys.SUBMIT_SHUTDOWN_TIMEOUT),
                config.get(ConfigKeys.SUBMIT_RANGE_READ_TIMEOUT),
                config.get(ConfigKeys.SUBMIT_TOMBSTONE_BUDGET),
                instance.orElseGet(defaultInstanceId));
    }

    /** One per instance: a restart with the same id aborts what the previous run left open. */
    String transactionalId() {
        return groupId + "-" + instanceId;
    }
}
