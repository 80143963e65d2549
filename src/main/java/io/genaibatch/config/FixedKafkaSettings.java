package io.genaibatch.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka client settings genai-batch's guarantees depend on, set here once for every client (through
 * {@code kafka.KafkaClients}) and refused at load when {@code kafka.properties.*} tries to change them, with the
 * reason: a silently ignored override would let an operator believe it applies, and one that applied would break
 * exactly-once publication.
 */
public final class FixedKafkaSettings {
    private FixedKafkaSettings() {}

    private record Fixed(Object value, String reason) {}

    private static final Map<String, Fixed> CONSUMER = fixed(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                    new Fixed(
                            "read_committed",
                            "exactly-once publication needs "
                                    + "read_committed: a reader must never act on records of an aborted or still open transaction"),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                    new Fixed(
                            false,
                            "offsets are committed in the transaction that "
                                    + "records the work (or once the work is durable); an automatic commit would skip records not "
                                    + "yet handled after a crash"));
    private static final Map<String, Fixed> PRODUCER = fixed(
            ProducerConfig.ACKS_CONFIG,
                    new Fixed(
                            "all",
                            "a record acknowledged by fewer than the in-sync replicas "
                                    + "can be lost, and idempotent and transactional producers need acks=all"),
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                    new Fixed(
                            true,
                            "a retried send must not write a record twice, "
                                    + "and transactions need the idempotent producer"));
    private static final Map<String, Fixed> STREAMS = fixed(
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
            new Fixed(
                    StreamsConfig.EXACTLY_ONCE_V2,
                    "the accumulator puts " + "each request in exactly one batch only with exactly_once_v2"));
    /** Set per role from its own keys; the reason names them. */
    private static final Map<String, String> PER_ROLE = Map.of(
            ConsumerConfig.GROUP_ID_CONFIG,
                    "each role has its own consumer group: set " + ConfigKeys.POLL_GROUP_ID.name() + ", "
                            + ConfigKeys.SUBMIT_GROUP_ID.name() + " or " + ConfigKeys.ACCUMULATE_APPLICATION_ID.name(),
            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    "each producer needs an id of its own, derived from "
                            + ConfigKeys.POLL_GROUP_ID.name() + ", " + ConfigKeys.SUBMIT_GROUP_ID.name() + " + "
                            + ConfigKeys.SUBMIT_INSTANCE_ID.name() + " and "
                            + ConfigKeys.ACCUMULATE_APPLICATION_ID.name()
                            + "; one shared id would fence the instances",
            StreamsConfig.APPLICATION_ID_CONFIG, "set " + ConfigKeys.ACCUMULATE_APPLICATION_ID.name(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                    "each reader chooses it: none where a gap must be reported, "
                            + "earliest elsewhere (none: the submitter, reads of held requests and of batch ranges; earliest: "
                            + "the accumulator, the poller); latest would make a new or expired group skip every record already "
                            + "written, and those requests would never be answered");
    /** Kafka Streams passes {@code <prefix><setting>} to one of its clients: the same settings are refused there. */
    private static final List<String> CLIENT_PREFIXES = List.of(
            StreamsConfig.MAIN_CONSUMER_PREFIX,
            StreamsConfig.RESTORE_CONSUMER_PREFIX,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX,
            StreamsConfig.CONSUMER_PREFIX,
            StreamsConfig.PRODUCER_PREFIX,
            StreamsConfig.ADMIN_CLIENT_PREFIX);

    /** What every consumer of genai-batch's topics is given. */
    public static Map<String, Object> consumer() {
        return values(CONSUMER);
    }

    /** What every producer writing genai-batch's topics is given. */
    public static Map<String, Object> producer() {
        return values(PRODUCER);
    }

    /**
     * What the accumulator's Kafka Streams application is given: exactly_once_v2 (with which Kafka Streams sets the
     * consumer and producer settings above on its own clients itself) and auto.offset.reset=earliest.
     */
    public static Map<String, Object> streams() {
        Map<String, Object> values = values(STREAMS);
        // Kafka Streams' own default today; set so that a new application.id (or expired offsets) reads
        // genai.requests from its start whatever that default becomes.
        values.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return values;
    }

    /**
     * Why {@code kafka.properties.<setting>} is refused, or empty when genai-batch lets it through.
     *
     * @param setting the name after {@code kafka.properties.}, possibly with a Kafka Streams client prefix
     */
    static Optional<String> refusal(String setting) {
        String bare = setting;
        for (String prefix : CLIENT_PREFIXES) {
            if (bare.startsWith(prefix)) {
                bare = bare.substring(prefix.length());
                break;
            }
        }
        String name = ConfigKeys.KAFKA_PROPERTIES_PREFIX + setting;
        Fixed fixed = CONSUMER.containsKey(bare)
                ? CONSUMER.get(bare)
                : PRODUCER.containsKey(bare) ? PRODUCER.get(bare) : STREAMS.get(bare);
        if (fixed != null) {
            return Optional.of(name + " is fixed by genai-batch (" + fixed.value() + "): " + fixed.reason());
        }
        String perRole = PER_ROLE.get(bare);
        return perRole == null ? Optional.empty() : Optional.of(name + " is fixed by genai-batch: " + perRole);
    }

    /** The settings {@code kafka.properties.*} may not set, for the docs. */
    static List<String> names() {
        List<String> names = new java.util.ArrayList<>(CONSUMER.keySet());
        names.addAll(PRODUCER.keySet());
        names.addAll(STREAMS.keySet());
        names.addAll(new java.util.TreeSet<>(PER_ROLE.keySet()));
        return names;
    }

    private static Map<String, Object> values(Map<String, Fixed> fixed) {
        Map<String, Object> values = new LinkedHashMap<>();
        fixed.forEach((name, f) -> values.put(name, f.value()));
        return values;
    }

    private static Map<String, Fixed> fixed(Object... pairs) {
        Map<String, Fixed> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Fixed) pairs[i + 1]);
        }
        return map;
    }
}
