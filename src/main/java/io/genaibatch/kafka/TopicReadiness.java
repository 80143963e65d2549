package io.genaibatch.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Waits until freshly created topics are served by their leaders. A producer that writes to a partition the broker
 * does not lead yet gets NotLeaderOrFollower; measured on the in-process 4.4 broker, an idempotent producer that met
 * it on its first batch could then loop on OutOfOrderSequence for minutes. ListOffsets is answered by the leader
 * itself, so its success means the partition is ready.
 */
public final class TopicReadiness {
    private TopicReadiness() {}

    public static void awaitServed(Admin admin, Collection<String> topics, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                admin.describeTopics(topics)
                        .allTopicNames()
                        .get()
                        .values()
                        .forEach(d -> d.partitions()
                                .forEach(p -> partitions.put(
                                        new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
                admin.listOffsets(partitions).all().get();
                return;
            } catch (ExecutionException e) {
                last = e;
                Thread.sleep(100); // the broker is electing leaders: ask again shortly
            }
        }
        throw new IllegalStateException(
                "topics " + topics + " not served by their leaders after " + timeout.toSeconds() + " s", last);
    }
}
