package io.genaibatch.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Catching up with a topic: reads assigned partitions from their positions to end offsets taken by the caller.
 * Every reader of a compacted or finished topic (genai.jobs, the window config, genai.responses) does this, and
 * the ways it goes wrong are the same for all: a partition that never reaches its end (a broker down, a transaction
 * left open before it), or a read that is merely long (a large history). Which of those is a failure is the
 * caller's {@link Limit}. A read never throws for running out of time: it returns a {@link Result} that says how
 * far it got, and the caller words the failure.
 *
 * <p>Records at or past a partition's end are handed over too: a caller that needs a snapshot of the moment the
 * ends were taken drops them itself.
 */
public final class ReadToEnd {
    private static final Duration POLL = Duration.ofMillis(200);
    /** A position the consumer could not determine within the time left (shown as "position unknown"). */
    public static final long UNKNOWN = -1;

    private ReadToEnd() {}

    /** How long a read may go on. */
    public sealed interface Limit {
        /** The whole read, from now, within {@code timeout}. */
        static Limit within(Duration timeout) {
            return until(System.nanoTime() + timeout.toNanos());
        }

        /** The whole read before {@code deadline} ({@link System#nanoTime()}): one budget shared with other calls. */
        static Limit until(long deadline) {
            return new Deadline(deadline);
        }

        /**
         * As long as the read moves: a large history is not a failure, a read that stops moving is. Progress is a
         * position moving, records or not (a long run of aborted records returns none).
         */
        static Limit whileMoving(Duration withoutProgress) {
            return new WhileMoving(withoutProgress);
        }

        /** Whether the read must stop now, its positions last moved at {@code lastProgress} (nanoTime). */
        boolean reached(long lastProgress);

        /** The longest one blocking call of the consumer may take. */
        Duration callTimeout();
    }

    record Deadline(long nanoTime) implements Limit {
        @Override
        public boolean reached(long lastProgress) {
            return System.nanoTime() - nanoTime > 0;
        }

        @Override
        public Duration callTimeout() {
            return Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(), nanoTime - System.nanoTime()));
        }
    }

    record WhileMoving(Duration withoutProgress) implements Limit {
        WhileMoving {
            Objects.requireNonNull(withoutProgress, "withoutProgress");
        }

        @Override
        public boolean reached(long lastProgress) {
            return System.nanoTime() - lastProgress > withoutProgress.toNanos();
        }

        @Override
        public Duration callTimeout() {
            return withoutProgress;
        }
    }

    /**
     * Where a read stopped.
     *
     * @param records  how many records were handed to the sink
     * @param behind   the partitions short of their end, with the position each reached ({@link #UNKNOWN} when the
     *                 consumer could not tell in time); empty when the read reached every end
     * @param ends     the ends the read went for
     */
    public record Result(long records, Map<TopicPartition, Long> behind, Map<TopicPartition, Long> ends) {
        public boolean reached() {
            return behind.isEmpty();
        }

        /** The first partition short of its end, for a message: "partition 3 at offset 120 of 450". */
        public String firstBehind() {
            return behind.entrySet().stream()
                    .findFirst()
                    .map(e -> "partition " + e.getKey().partition()
                            + (e.getValue() == UNKNOWN ? " at a position unknown" : " at offset " + e.getValue())
                            + " of " + ends.get(e.getKey()))
                    .orElse("none");
        }
    }

    /** The partitions of {@code topic}; empty when the topic does not exist. */
    public static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic, Duration timeout) {
        var infos = consumer.partitionsFor(topic, timeout);
        return infos == null
                ? List.of()
                : infos.stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList();
    }

    /**
     * Polls until every partition of {@code ends} is at or past its end, or the limit is reached, handing each
     * record to {@code sink}.
     *
     * @param consumer assigned (at least) the partitions of {@code ends}, positioned where the read starts
     */
    public static <K, V> Result read(
            Consumer<K, V> consumer,
            Map<TopicPartition, Long> ends,
            Limit limit,
            java.util.function.Consumer<ConsumerRecord<K, V>> sink) {
        Map<TopicPartition, Long> pending = new LinkedHashMap<>();
        ends.keySet().forEach(tp -> pending.put(tp, UNKNOWN));
        long records = 0;
        update(consumer, pending, ends, limit);
        long lastProgress = System.nanoTime();
        while (!pending.isEmpty() && !limit.reached(lastProgress)) {
            ConsumerRecords<K, V> polled = consumer.poll(POLL);
            for (ConsumerRecord<K, V> r : polled) {
                sink.accept(r);
            }
            records += polled.count();
            if (update(consumer, pending, ends, limit)) {
                lastProgress = System.nanoTime();
            }
        }
        return new Result(records, Map.copyOf(pending), Map.copyOf(ends));
    }

    /**
     * Takes the positions of the pending partitions, dropping those at their end; true when any position moved
     * (a partition that reached its end moved too).
     */
    private static boolean update(
            Consumer<?, ?> consumer, Map<TopicPartition, Long> pending, Map<TopicPartition, Long> ends, Limit limit) {
        boolean moved = false;
        var it = pending.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            long position = position(consumer, e.getKey(), limit.callTimeout());
            if (position == UNKNOWN) {
                continue;
            }
            if (position != e.getValue()) {
                moved = true;
                e.setValue(position);
            }
            if (position >= ends.get(e.getKey())) {
                it.remove();
            }
        }
        return moved;
    }

    /** A partition whose position cannot be determined in time is one more partition behind, not a failure. */
    private static long position(Consumer<?, ?> consumer, TopicPartition tp, Duration timeout) {
        try {
            return consumer.position(tp, timeout);
        } catch (TimeoutException e) {
            return UNKNOWN;
        }
    }
}
