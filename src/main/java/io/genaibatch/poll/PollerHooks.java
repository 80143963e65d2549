package io.genaibatch.poll;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Test seam: lets a test stop the poller at a chosen point of a publication, as a crash would, or hand it a real
 * producer that meets trouble Kafka cannot be made to produce on demand. Production uses {@link #NONE}.
 */
interface PollerHooks {
    PollerHooks NONE = new PollerHooks() {};

    /**
     * Called with a publication transaction open, its responses and progress record sent, just before the commit.
     * Throwing an {@link Error} here ends the poller thread without committing, like a crash.
     */
    default void beforeCommit(String batchId, long publishedThrough) {}

    /**
     * Called after a record of a publication was handed to the producer, its transaction open and not committed.
     * Throwing a RuntimeException here is a failure while the chunk is being built.
     */
    default void afterSend(String batchId) {}

    /**
     * Creates the transactional producer of one genai.jobs partition from its properties. A test may return a real
     * producer whose calls it disturbs (a commit that times out), so that the poller meets the real client's rules.
     */
    default Producer<byte[], byte[]> producer(Map<String, Object> properties) {
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
