package io.genaibatch.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
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
    /** Kafka's default transaction.timeout.ms (ProducerConfig), for the producers writing genai.jobs. */
    static final long DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

    private static final String MAX_POLL_INTERVAL = "max.poll.interval.ms";
    private static final String TRANSACTION_TIMEOUT = "transaction.timeout.ms";

    private ConfigRules() {}

    private static final List<Function<GenAiBatchConfig, Optional<String>>> RULES = List.of(
            c -> atLeast(c, ConfigKeys.POLL_MAX_INTERVAL, ConfigKeys.POLL_INITIAL_INTERVAL),
            c -> atLeast(c, ConfigKeys.POLL_RETRY_MAX_BACKOFF, ConfigKeys.POLL_RETRY_INITIAL_BACKOFF),
            c -> atLeast(c, ConfigKeys.SUBMIT_RETRY_MAX_BACKOFF, ConfigKeys.SUBMIT_RETRY_INITIAL_BACKOFF),
            c -> atLeast(c, ConfigKeys.GEMINI_RETRY_MAX_BACKOFF, ConfigKeys.GEMINI_RETRY_INITIAL_BACKOFF),
            c -> atLeast(c, ConfigKeys.SUBMIT_CREATE_LOOKUP_WINDOW, ConfigKeys.GEMINI_REQUEST_TIMEOUT),
            c -> notMillis(c, MAX_POLL_INTERVAL),
            c -> notMillis(c, TRANSACTION_TIMEOUT),
            ConfigRules::shutdownWithinPollInterval,
            ConfigRules::geminiCallWithinPollerPollInterval,
            ConfigRules::jobsReadOutlastsOpenTransactions,
            ConfigRules::noPlainHttpAcrossTheNetwork,
            ConfigRules::pricesFileReadable);

    /** Every problem found; empty when the configuration holds together. */
    static List<String> problems(GenAiBatchConfig config) {
        List<String> problems = new ArrayList<>();
        RULES.forEach(rule -> rule.apply(config).ifPresent(problems::add));
        return problems;
    }

    private static Optional<String> atLeast(GenAiBatchConfig c, ConfigKey<Duration> upper, ConfigKey<Duration> lower) {
        Duration up = c.get(upper);
        Duration low = c.get(lower);
        return up.compareTo(low) >= 0
                ? Optional.empty()
                : Optional.of(upper.name() + " (" + ConfigType.format(up) + ") must be >= " + lower.name() + " ("
                        + ConfigType.format(low) + ")");
    }

    /**
     * A {@code kafka.properties.*} setting in milliseconds as the rules read it, named for their messages.
     *
     * @param text how a message names it: the key and value, and whether it is Kafka's default
     */
    private record KafkaMillis(long millis, String text) {}

    /** The setting, or {@code kafkaDefault} when unset; empty when it is not a number (see {@link #notMillis}). */
    private static Optional<KafkaMillis> kafkaMillis(GenAiBatchConfig c, String setting, long kafkaDefault) {
        String raw = c.kafkaProperties().get(setting);
        String key = ConfigKeys.KAFKA_PROPERTIES_PREFIX + setting;
        if (raw == null) {
            return Optional.of(new KafkaMillis(kafkaDefault, key + " (" + kafkaDefault + " ms, Kafka's default)"));
        }
        try {
            long millis = Long.parseLong(raw.trim());
            return Optional.of(new KafkaMillis(millis, key + " (" + millis + " ms)"));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> notMillis(GenAiBatchConfig c, String setting) {
        String raw = c.kafkaProperties().get(setting);
        return raw == null || kafkaMillis(c, setting, 0).isPresent()
                ? Optional.empty()
                : Optional.of(ConfigKeys.KAFKA_PROPERTIES_PREFIX + setting
                        + " must be a number of milliseconds, found '" + raw + "'");
    }

    /**
     * Inside one poll, the submitter may wait up to submit.shutdown-timeout for creates already sent (partitions
     * revoked), then read genai.jobs, giving up after submit.jobs-read-timeout without progress, and tombstone finished
     * history for up to submit.tombstone-budget (partitions assigned): all of it must end before max.poll.interval.ms,
     * or the group evicts the instance mid-rebalance and refuses its job records.
     */
    private static Optional<String> shutdownWithinPollInterval(GenAiBatchConfig c) {
        Optional<KafkaMillis> interval = kafkaMillis(c, MAX_POLL_INTERVAL, DEFAULT_MAX_POLL_INTERVAL_MS);
        Duration shutdown = c.get(ConfigKeys.SUBMIT_SHUTDOWN_TIMEOUT);
        Duration read = c.get(ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT);
        Duration tombstones = c.get(ConfigKeys.SUBMIT_TOMBSTONE_BUDGET);
        if (interval.isEmpty()
                || shutdown.plus(read).plus(tombstones).toMillis()
                        < interval.get().millis()) {
            return Optional.empty();
        }
        return Optional.of(ConfigKeys.SUBMIT_SHUTDOWN_TIMEOUT.name() + " (" + ConfigType.format(shutdown) + ") + "
                + ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT.name() + " (" + ConfigType.format(read) + ") + "
                + ConfigKeys.SUBMIT_TOMBSTONE_BUDGET.name() + " (" + ConfigType.format(tombstones) + ") must be "
                + "shorter than " + interval.get().text() + ": in a rebalance the submitter waits for creates already "
                + "sent, then reads genai.jobs and tombstones finished history, without polling, and past the poll "
                + "interval the group evicts it and refuses its job records. Lower the timeouts or raise the "
                + "interval.");
    }

    /**
     * The poller makes a Gemini API call, with its retries, between two polls of its genai.jobs consumer: the last
     * retry starts at most gemini.retry.max-elapsed after the first attempt and may stay silent for
     * gemini.request-timeout, and the whole must end before the poller's max.poll.interval.ms, or the group evicts it
     * and its job's next owner makes the call again.
     */
    private static Optional<String> geminiCallWithinPollerPollInterval(GenAiBatchConfig c) {
        Duration elapsed = c.get(ConfigKeys.GEMINI_RETRY_MAX_ELAPSED);
        Duration request = c.get(ConfigKeys.GEMINI_REQUEST_TIMEOUT);
        Duration key = c.get(ConfigKeys.POLL_MAX_POLL_INTERVAL);
        Optional<KafkaMillis> interval = c.kafkaProperties().containsKey(MAX_POLL_INTERVAL)
                ? kafkaMillis(c, MAX_POLL_INTERVAL, 0)
                : Optional.of(new KafkaMillis(
                        key.toMillis(),
                        ConfigKeys.POLL_MAX_POLL_INTERVAL.name() + " (" + ConfigType.format(key) + ")"));
        if (interval.isEmpty()
                || elapsed.plus(request).toMillis() < interval.get().millis()) {
            return Optional.empty();
        }
        return Optional.of(ConfigKeys.GEMINI_RETRY_MAX_ELAPSED.name() + " (" + ConfigType.format(elapsed) + ") + "
                + ConfigKeys.GEMINI_REQUEST_TIMEOUT.name() + " (" + ConfigType.format(request) + ") must be shorter "
                + "than " + interval.get().text() + ": the poller makes a Gemini call with its retries between two "
                + "polls, and past the poll interval the group evicts it. Lower the retry time or raise the interval.");
    }

    /**
     * When partitions are assigned, the submitter reads genai.jobs to its end; a transaction a killed producer left
     * open there hides what follows until the broker aborts it after transaction.timeout.ms. A read that gives up
     * sooner stops the submitter, and every restart stops again until the transaction ends.
     */
    private static Optional<String> jobsReadOutlastsOpenTransactions(GenAiBatchConfig c) {
        Optional<KafkaMillis> timeout = kafkaMillis(c, TRANSACTION_TIMEOUT, DEFAULT_TRANSACTION_TIMEOUT_MS);
        Duration read = c.get(ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT);
        if (timeout.isEmpty() || read.toMillis() > timeout.get().millis()) {
            return Optional.empty();
        }
        return Optional.of(ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT.name() + " (" + ConfigType.format(read) + ") must be "
                + "longer than " + timeout.get().text() + ": a transaction a killed poller or submitter left open on "
                + "genai.jobs holds up the submitter's read of it until the broker aborts it, and a read that gives "
                + "up sooner stops the submitter.");
    }

    /** The API key goes with every call: plain http only to loopback, unless gemini.allow-insecure-http says so. */
    private static Optional<String> noPlainHttpAcrossTheNetwork(GenAiBatchConfig c) {
        return c.find(ConfigKeys.GEMINI_BASE_URL)
                .flatMap(url -> GeminiEndpoint.baseUrlProblem(url, c.get(ConfigKeys.GEMINI_ALLOW_INSECURE_HTTP)));
    }

    /**
     * The poller and the status page read the prices when they start; a file they cannot read stops them. What the
     * file says is checked by its reader (ops.Prices), which {@code config validate} runs as well.
     */
    private static Optional<String> pricesFileReadable(GenAiBatchConfig c) {
        return c.find(ConfigKeys.COST_PRICES_FILE)
                .filter(file -> !readableFile(file))
                .map(file -> ConfigKeys.COST_PRICES_FILE.name() + " '" + file + "' is not a readable file");
    }

    private static boolean readableFile(String file) {
        try {
            Path path = Path.of(file);
            return Files.isRegularFile(path) && Files.isReadable(path);
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
