package io.genaibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class GroupMembershipTest {
    private static final Duration SILENCE = Duration.ofSeconds(15);

    @Test
    void aConsumerThatJoinedAndHeartbeatsIsInItsGroupEvenWithNoPartitions() {
        assertThat(GroupMembership.problem(coordinator("c1", 1, 2), SILENCE)).isEmpty();
    }

    @Test
    void aConsumerJustJoinedBeforeItsFirstHeartbeatIsInItsGroupUntilTheSilenceLasts() {
        Map<MetricName, Metric> justJoined = new HashMap<>(coordinator("c1", 1, -1));
        justJoined.put(name("last-rebalance-seconds-ago", "c1"), metric("last-rebalance-seconds-ago", "c1", 1));
        Map<MetricName, Metric> longAgo = new HashMap<>(coordinator("c1", 1, -1));
        longAgo.put(name("last-rebalance-seconds-ago", "c1"), metric("last-rebalance-seconds-ago", "c1", 20));

        assertThat(GroupMembership.problem(justJoined, SILENCE)).isEmpty();
        assertThat(GroupMembership.problem(longAgo, SILENCE)).isPresent();
    }

    @Test
    void aConsumerBeforeItsFirstAssignmentIsNotInItsGroup() {
        assertThat(GroupMembership.problem(coordinator("c1", 0, -1), SILENCE))
                .hasValueSatisfying(p -> assertThat(p).contains("c1", "not joined"));
    }

    @Test
    void aConsumerSilentLongerThanTheBoundHasLostItsBrokers() {
        assertThat(GroupMembership.problem(coordinator("c1", 3, 16), SILENCE))
                .hasValueSatisfying(p -> assertThat(p).contains("c1", "16 s", "group coordinator"));
    }

    @Test
    void everyGroupConsumerOfAStreamsApplicationCounts() {
        Map<MetricName, Metric> metrics = new HashMap<>(coordinator("thread-1-consumer", 1, 1));
        metrics.putAll(coordinator("thread-2-consumer", 0, -1));

        assertThat(GroupMembership.problem(metrics, SILENCE))
                .hasValueSatisfying(
                        p -> assertThat(p).contains("thread-2-consumer").doesNotContain("thread-1"));
    }

    @Test
    void noGroupConsumerYetIsNotReady() {
        assertThat(GroupMembership.problem(Map.of(), SILENCE)).isPresent();
    }

    @Test
    void theSilenceAllowedIsThreeHeartbeatsAndAtLeastFifteenSeconds() {
        assertThat(GroupMembership.maxSilence(Map.of())).isEqualTo(Duration.ofSeconds(15));
        assertThat(GroupMembership.maxSilence(Map.of("heartbeat.interval.ms", "10000")))
                .isEqualTo(Duration.ofSeconds(30));
    }

    private static Map<MetricName, Metric> coordinator(String client, double rebalances, double heartbeatAge) {
        return Map.of(
                name("rebalance-total", client),
                metric("rebalance-total", client, rebalances),
                name("last-heartbeat-seconds-ago", client),
                metric("last-heartbeat-seconds-ago", client, heartbeatAge),
                new MetricName("connection-count", "consumer-metrics", "", Map.of("client-id", client)),
                metric("connection-count", client, 1));
    }

    private static MetricName name(String metric, String client) {
        return new MetricName(metric, "consumer-coordinator-metrics", "", Map.of("client-id", client));
    }

    private static Metric metric(String metric, String client, double value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return name(metric, client);
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }
}
