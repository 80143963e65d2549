package io.genaibatch.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks across keys, run when a configuration is loaded: what a role would refuse when it starts (or worse,
 * misbehave with) is refused by `config validate` and at load, with every key involved named.
 */
final class ConfigRules {
    /** Kafka's default max.poll.interval.ms (ConsumerConfig), for the submitter's consumer. */
    static final long DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;

    private ConfigRules() {
    }

    private static final List<Function<GenAiBatchConfig, Optional<String>>> RULES = List.of(
            c -> atLeast(c, ConfigKeys.POLL_MAX_INTERVAL, ConfigKeys.POLL_INITIAL_INTERVAL),
            c -> atLeast(c, ConfigKeys.POLL_RETRY_MAX_BACKOFF, ConfigKeys.POLL_RETRY_INITIAL_BACKOFF),
            c -> atLeast(c, ConfigKeys.SUBMIT_RETRY_MAX_BACKOFF, ConfigKeys.SUBMIT_RETRY_INITIAL_BACKOFF),
            c -> atLeast(c, ConfigKeys.GEMINI_RETRY_MAX_BACKOFF, ConfigKeys.GEMINI_RETRY_INITIAL_BACKOFF),
            c -> atLeast(c, ConfigKeys.SUBMIT_CREATE_LOOKUP_WINDOW, ConfigKeys.GEMINI_REQUEST_TIMEOUT),
            ConfigRules::shutdownWithinPollInterval);

    /** Every problem found; empty when the configuration holds together. */
    static List<String> problems(GenAiBatchConfig config) {
        List<String> problems = new ArrayList<>();
        RULES.forEach(rule -> rule.apply(config).ifPresent(problems::add));
        return problems;
    }

    private static Optional<String> atLeast(GenAiBatchConfig c, ConfigKey<Duration> upper, ConfigKey<Duration> lower) {
        Duration up = c.get(upper);
        Duration low = c.get(lower);
        return up.compareTo(low) >= 0 ? Optional.empty() : Optional.of(upper.name() + " (" + ConfigType.format(up)
                + ") must be >= " + lower.name() + " (" + ConfigType.format(low) + ")");
    }

    /**
     * Inside one poll, the submitter may wait up to submit.shutdown-timeout for creates already sent (partitions
     * revoked) and then read genai.jobs, giving up after submit.jobs-read-timeout without progress (partitions
     * assigned): a stalled read must end before max.poll.interval.ms, or the group evicts the instance mid-rebalance
     * and refuses its job records.
     */
    private static Optional<String> shutdownWithinPollInterval(GenAiBatchConfig c) {
        String key = ConfigKeys.KAFKA_PROPERTIES_PREFIX + "max.poll.interval.ms";
        String raw = c.kafkaProperties().get("max.poll.interval.ms");
        long interval;
        try {
            interval = raw == null ? DEFAULT_MAX_POLL_INTERVAL_MS : Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            return Optional.of(key + " must be a number of milliseconds, found '" + raw + "'");
        }
        Duration shutdown = c.get(ConfigKeys.SUBMIT_SHUTDOWN_TIMEOUT);
        Duration read = c.get(ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT);
        if (shutdown.plus(read).toMillis() < interval) {
            return Optional.empty();
        }
        return Optional.of(ConfigKeys.SUBMIT_SHUTDOWN_TIMEOUT.name() + " (" + ConfigType.format(shutdown) + ") + "
                + ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT.name() + " (" + ConfigType.format(read) + ") must be shorter "
                + "than " + key + " (" + interval + " ms" + (raw == null ? ", Kafka's default" : "") + "): in a "
                + "rebalance the submitter waits for creates already sent, then reads genai.jobs, without polling, and "
                + "past the poll interval the group evicts it and refuses its job records. Lower the timeouts or "
                + "raise the interval.");
    }
}
