package io.genaibatch.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Whether a group consumer is in its group, read from the client's own metrics (thread-safe, unlike the consumer):
 * its first assignment done (an assignment of zero partitions counts: more members than partitions) and its group
 * coordinator heard from lately (a consumer whose brokers are gone stops heartbeating at once, but is only dropped
 * from its group a session timeout later).
 */
public final class GroupMembership {
    private static final String GROUP = "consumer-coordinator-metrics";
    private static final Duration MIN_SILENCE = Duration.ofSeconds(15);

    private GroupMembership() {}

    /**
     * How long a group consumer may go without a heartbeat before it is taken for out of its group: three heartbeat
     * intervals, 15 s at least.
     */
    public static Duration maxSilence(Map<String, Object> consumerProperties) {
        Object interval = consumerProperties.get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG);
        Duration three = Duration.ofMillis(3 * (interval == null ? 3000 : Long.parseLong(interval.toString())));
        return three.compareTo(MIN_SILENCE) > 0 ? three : MIN_SILENCE;
    }

    /**
     * What keeps the group consumers among these metrics (one consumer's, or a Streams application's) out of their
     * group; empty when each has joined and heartbeated within {@code maxSilence}.
     */
    public static Optional<String> problem(Map<MetricName, ? extends Metric> metrics, Duration maxSilence) {
        Map<String, Double> rebalances = new TreeMap<>();
        Map<String, Double> heartbeatAge = new TreeMap<>();
        Map<String, Double> rebalanceAge = new TreeMap<>();
        metrics.forEach((name, metric) -> {
            if (!GROUP.equals(name.group())) {
                return;
            }
            String client = name.tags().getOrDefault("client-id", "?");
            if (name.name().equals("rebalance-total")) {
                rebalances.put(client, value(metric));
            } else if (name.name().equals("last-heartbeat-seconds-ago")) {
                heartbeatAge.put(client, value(metric));
            } else if (name.name().equals("last-rebalance-seconds-ago")) {
                rebalanceAge.put(client, value(metric));
            }
        });
        if (rebalances.isEmpty()) {
            return Optional.of("no group consumer has started yet");
        }
        List<String> problems = new ArrayList<>();
        rebalances.forEach((client, joins) -> {
            // Just joined, no heartbeat sent yet (the first goes a heartbeat interval later): the join is the news.
            double heartbeat = heartbeatAge.getOrDefault(client, -1d);
            double age = heartbeat >= 0 ? heartbeat : rebalanceAge.getOrDefault(client, -1d);
            if (joins < 1) {
                problems.add(client + " has not joined its consumer group yet");
            } else if (age < 0 || age > maxSilence.toSeconds()) {
                problems.add(client + " has not heard from its group coordinator for " + (long) age
                        + " s (more than " + maxSilence.toSeconds() + " s): the brokers are out of reach, or the"
                        + " group is rebalancing and waits for a member slow to rejoin");
            }
        });
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    private static double value(Metric metric) {
        return metric.metricValue() instanceof Number n ? n.doubleValue() : -1;
    }
}
