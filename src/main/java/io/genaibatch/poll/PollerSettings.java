package io.genaibatch.poll;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The poll.* keys the poller reads, checked together once at construction.
 *
 * @param groupId          consumer group on genai.jobs, and prefix of the transactional ids
 * @param schedule         when each open job is checked
 * @param publishChunk     responses per publication transaction
 * @param publishChunkBytes response bytes after which a publication transaction ends, whatever its count
 * @param cacheDir         where downloaded results and the key indexes live
 * @param policy           name of the {@link JobPolicy}
 * @param itemsReadTimeout longest time reading a batch's items from genai.batches may go without progress
 * @param closeTimeout     how long {@link Poller#close()} waits for the loop before interrupting it
 * @param retries          what the retrying policy may do
 * @param goneAfter        how long a job must keep answering NOT_FOUND before it is taken for gone
 * @param maxPollInterval  max.poll.interval.ms of the genai.jobs consumer, unless kafka.properties.* sets it
 * @param producerBatchSize batch.size of the poller's producers, unless kafka.properties.* sets it
 * @param producerLinger   linger.ms of the poller's producers, unless kafka.properties.* sets it
 */
record PollerSettings(
        String groupId,
        PollSchedule schedule,
        int publishChunk,
        long publishChunkBytes,
        Path cacheDir,
        String policy,
        Duration itemsReadTimeout,
        Duration closeTimeout,
        PolicySettings retries,
        Duration goneAfter,
        Duration maxPollInterval,
        int producerBatchSize,
        Duration producerLinger) {

    PollerSettings {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(itemsReadTimeout, "itemsReadTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(retries, "retries");
        Objects.requireNonNull(goneAfter, "goneAfter");
        Objects.requireNonNull(maxPollInterval, "maxPollInterval");
        Objects.requireNonNull(producerLinger, "producerLinger");
        if (publishChunk < 1) {
            throw new IllegalArgumentException("poll.publish-chunk must be >= 1, found " + publishChunk);
        }
    }

    static PollerSettings from(GenAiBatchConfig config) {
        // max >= initial is checked when the configuration is loaded (config.ConfigRules).
        Duration initial = config.get(ConfigKeys.POLL_INITIAL_INTERVAL);
        Duration max = config.get(ConfigKeys.POLL_MAX_INTERVAL);
        Path cache = config.find(ConfigKeys.POLL_CACHE_DIR).map(Path::of).orElseGet(PollerSettings::defaultCacheDir);
        return new PollerSettings(
                config.get(ConfigKeys.POLL_GROUP_ID),
                new PollSchedule(initial, max),
                config.get(ConfigKeys.POLL_PUBLISH_CHUNK),
                config.get(ConfigKeys.POLL_PUBLISH_CHUNK_BYTES),
                cache,
                config.get(ConfigKeys.POLL_POLICY),
                config.get(ConfigKeys.POLL_ITEMS_READ_TIMEOUT),
                config.get(ConfigKeys.POLL_CLOSE_TIMEOUT),
                PolicySettings.from(config),
                config.get(ConfigKeys.POLL_GONE_AFTER),
                config.get(ConfigKeys.POLL_MAX_POLL_INTERVAL),
                Math.toIntExact(config.get(ConfigKeys.POLL_PRODUCER_BATCH_SIZE)),
                config.get(ConfigKeys.POLL_PRODUCER_LINGER));
    }

    /** {@code <java.io.tmpdir>/genai-batch-poll}: the cache directory when poll.cache-dir is not set. */
    static Path defaultCacheDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "genai-batch-poll");
    }

    /** Whether the cache directory is the default one, a directory only genai-batch uses. */
    boolean cacheDirIsDefault() {
        return cacheDir.toAbsolutePath()
                .normalize()
                .equals(defaultCacheDir().toAbsolutePath().normalize());
    }
}
