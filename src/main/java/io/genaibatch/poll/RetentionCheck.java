package io.genaibatch.poll;

import io.genaibatch.kafka.TopicAdmin;
import java.time.Duration;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns at start when genai.batches may drop a batch's items before its last attempt needs them: a child batch
 * reads its parent's items where they are, so they must outlive every attempt (each up to the service's 48 h, plus
 * the backoff before it).
 */
final class RetentionCheck {
    private static final Logger log = LoggerFactory.getLogger(RetentionCheck.class);
    /** The longest a job lives at the Batch API before the service expires it. */
    static final Duration SERVICE_JOB_LIFE = Duration.ofHours(48);

    private RetentionCheck() {}

    /** What genai.batches' retention should at least be for these settings. */
    static Duration needed(PolicySettings settings) {
        Duration life =
                SERVICE_JOB_LIFE.compareTo(settings.stuckAfter()) < 0 ? SERVICE_JOB_LIFE : settings.stuckAfter();
        return life.plus(settings.maxBackoff()).multipliedBy(settings.maxAttempts());
    }

    /** The warning for a retention of {@code retentionMs} (-1: unlimited); empty when it is long enough. */
    static java.util.Optional<String> warning(String topic, long retentionMs, PolicySettings settings) {
        Duration needed = needed(settings);
        if (retentionMs < 0 || Duration.ofMillis(retentionMs).compareTo(needed) >= 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(topic + " keeps records for " + Duration.ofMillis(retentionMs)
                + " (retention.ms), "
                + "less than poll.max-attempts (" + settings.maxAttempts() + ") x (the longest job life, "
                + "min(48h, poll.stuck-after), + poll.retry.max-backoff) = " + needed + ": a batch resubmitted or "
                + "split late in that time may find its items deleted, and those requests are answered without a "
                + "job. Raise the topic's retention.ms (topics.retention) or lower poll.max-attempts.");
    }

    /** Reads the topic's retention and logs the warning; a failure to read it is logged, never fatal. */
    static void warnIfShort(TopicAdmin admin, String topic, PolicySettings settings) {
        try {
            admin.config(topic, TopicConfig.RETENTION_MS_CONFIG, Duration.ofSeconds(10))
                    .flatMap(retention -> warning(topic, Long.parseLong(retention), settings))
                    .ifPresent(log::warn);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.info(
                    "Could not read the retention of {} to check it against the retry settings: {}",
                    topic,
                    e.toString());
        }
    }
}
