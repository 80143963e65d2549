package io.genaibatch.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Catching up with a topic: reads assigned partitions from their positions to end offsets taken by the caller.
 * Every reader of a compacted or finished topic (genai.jobs, the window config, genai.responses) does this, and
 * the ways it goes wrong are the same for all: a partition that never reaches its end (a broker down, a transaction
 * left open before it), or a read that is merely long (a large history). Which of those is a failure is the
 * caller's {@link Limit}.
 *
 * <p>Records at or past a partition's end are handed over too: a caller that needs a snapshot of the moment the
 * ends were taken drops them itself.
 */
public final class ReadToEnd {
    private static final Duration POLL = Duration.ofMillis(200);

    private ReadToEnd() {
    }

    /**
     * How long a read may go on.
     *
     * @param deadline      {@link System#nanoTime()} after which the read stops, or 0 for none
     * @param withoutProgress the longest the positions may stay where they are, or null for no such bound
     */
    public record Limit(long deadline, Duration withoutProgress) {
        /** The whole read, from now, within {@code timeout}. */
        public static Limit within(Duration timeout) {
            return until(System.nanoTime() + timeout.toNanos());
        }

        /** The whole read before {@code deadline} ({@link System#nanoTime()}): one budget shared with other calls. */
        public static Limit until(long deadline) {
            return new Limit(deadline, null);
        }

        /**
         * As long as the read moves: a large history is not a failure, a read that stops moving is. Progress is a
         * position moving, records or not (a long run of aborted records returns none).
         */
        public static Limit whileMoving(Duration withoutProgress) {
            return new Limit(0, withoutProgress);
        }

        /** The time left for one blocking call of the consumer. */
        Duration callTimeout() {
            if (withoutProgress != null) {
                return withoutProgress;
            }
            return Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(), deadline - System.nanoTime()));
        }
    }

    /**
     * Where a read stopped.
     *
     * @param records  how many records were handed to the sink
     * @param behind   the partitions short of their end, with the position each reached; empty when the read
     *                 reached every end
     * @param ends     the ends the read went for
     */
    public record Result(long records, Map<TopicPartition, Long> behind, Map<TopicPartition, Long> ends) {
        public boolean reached() {
            return behind.isEmpty();
        }

        /** The first partition short of its end, for a message: "partition 3 at offset 120 of 450". */
        public String firstBehind() {
            return behind.entrySet().stream().findFirst()
                    .map(e -> "partition " + e.getKey().partition() + " at offset " + e.getValue() + " of "
                            + ends.get(e.getKey()))
                    .orElse("none");
        }
    }

    /** The partitions of {@code topic}; empty when the topic does not exist. */
    public static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic, Duration timeout) {
        var infos = consumer.partitionsFor(topic, timeout);
        return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /**
     * Polls until every partition of {@code ends} is at or past its end, or the limit is reached, handing each
     * record to {@code sink}.
     *
     * @param consumer assigned (at least) the partitions of {@code ends}, positioned where the read starts
     */
    public static <K, V> Result read(Consumer<K, V> consumer, Map<TopicPartition, Long> ends, Limit limit,
                                     java.util.function.Consumer<ConsumerRecord<K, V>> sink) {
        List<TopicPartition> pending = new ArrayList<>(ends.keySet());
        long records = 0;
        long position = dropReached(consumer, pending, ends, limit);
        long lastProgress = System.nanoTime();
        while (!pending.isEmpty() && !limitReached(limit, lastProgress)) {
            ConsumerRecords<K, V> polled = consumer.poll(POLL);
            for (ConsumerRecord<K, V> r : polled) {
                sink.accept(r);
            }
            records += polled.count();
            long now = dropReached(consumer, pending, ends, limit);
            if (now != position) {
                position = now;
                lastProgress = System.nanoTime();
            }
        }
        Map<TopicPartition, Long> behind = new java.util.LinkedHashMap<>();
        for (TopicPartition tp : pending) {
            behind.put(tp, consumer.position(tp, limit.callTimeout()));
        }
        return new Result(records, behind, Map.copyOf(ends));
    }

    private static boolean limitReached(Limit limit, long lastProgress) {
        long now = System.nanoTime();
        return (limit.deadline() != 0 && now - limit.deadline() > 0)
                || (limit.withoutProgress() != null && now - lastProgress > limit.withoutProgress().toNanos());
    }

    /** Drops the partitions at their end from {@code pending}; returns the sum of the positions of the rest. */
    private static long dropReached(Consumer<?, ?> consumer, List<TopicPartition> pending,
                                    Map<TopicPartition, Long> ends, Limit limit) {
        long sum = 0;
        var it = pending.iterator();
        while (it.hasNext()) {
            TopicPartition tp = it.next();
            long position = consumer.position(tp, limit.callTimeout());
            if (position >= ends.get(tp)) {
                it.remove();
            } else {
                sum += position;
            }
        }
        return sum;
    }
}
