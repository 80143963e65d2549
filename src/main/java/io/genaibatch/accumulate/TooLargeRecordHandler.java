package io.genaibatch.accumulate;

import io.genaibatch.batch.LineKey;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchRecord;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' production exception handler for the accumulator: the safety net behind the size checks of
 * {@link RecordLimits}, for a record Kafka refuses as too large anyway (a topic's max.message.bytes lowered after the
 * accumulator started).
 *
 * <p>Why not just RESUME (drop the record and go on): under exactly_once_v2 the producer puts its transaction in an
 * abortable error state on any send error (KafkaProducer / TransactionManager.maybeTransitionToErrorState, checked in
 * kafka-clients 4.4.0), so the transaction, with every record and offset of the thread since its last commit, is
 * aborted whatever the handler answers; and a dropped item would be a request silently lost. So the handler logs the
 * refusal at ERROR (topic, size, the limit learned at start), notes the request the record came from in
 * {@link OversizedRequests}, and answers FAIL: the thread is replaced ({@link AccumulateRole}) and resumes from the
 * last commit, where the validate or accumulate stage finds the note and rejects that request (REQUEST_TOO_LARGE: a
 * REJECTED response and its DLQ copy) instead of sending it again. One failed transaction per such request per
 * process, not a loop.
 *
 * <p>Only records that carry their request can be traced back to it: repartition records and genai.batches items.
 * A too-large REJECTED response or DLQ record is prevented by {@link RejectionHandler}'s own fitting to the limits;
 * if one is still refused (its limit lowered after start) it is logged here and fails the task, which retries it.
 */
public final class TooLargeRecordHandler implements ProductionExceptionHandler {
    static final String CONFIG_OVERSIZED = "genai.accumulate.oversized";
    static final String CONFIG_LIMITS = "genai.accumulate.limits";

    private static final Logger log = LoggerFactory.getLogger(TooLargeRecordHandler.class);
    private static final RecordCodec<BatchRecord> BATCHES = RecordCodec.batchRecord();

    /** Kafka Streams' own behaviour for every other error (RETRY when retriable, else FAIL), kept unchanged. */
    private final DefaultProductionExceptionHandler fallback = new DefaultProductionExceptionHandler();

    private OversizedRequests oversized;
    private RecordLimits limits;

    @Override
    public void configure(Map<String, ?> configs) {
        fallback.configure(configs);
        Object o = configs.get(CONFIG_OVERSIZED);
        oversized = o instanceof OversizedRequests given ? given : new OversizedRequests();
        Object l = configs.get(CONFIG_LIMITS);
        limits = l instanceof RecordLimits given ? given : null;
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!(exception instanceof RecordTooLargeException)) {
            return fallback.handleError(context, record, exception);
        }
        long size = RecordLimits.sizeOf(record.key(), record.value(), record.headers());
        String learned = learnedLimit(record.topic());
        BatchItem item = itemOf(record);
        if (item == null) {
            log.error(
                    "Kafka refused a record of about {} bytes for topic {} as too large ({}); the limit learned at start was {}. "
                            + "It carries no request to reject, so the task fails and retries it: raise the topic's max.message.bytes "
                            + "(and the producer's max.request.size) to let it through",
                    size,
                    record.topic(),
                    exception.getMessage(),
                    learned);
            return Response.fail();
        }
        String lineKey = LineKey.of(item);
        oversized.add(lineKey, new OversizedRequests.Refusal(record.topic(), size, exception.getMessage()));
        log.error(
                "Kafka refused the record of request {} (line key {}) for topic {}: about {} bytes ({}); the limit learned at "
                        + "start was {}, so the topic's max.message.bytes was probably lowered since. The thread's exactly-once "
                        + "transaction is aborted and resumes from its last commit, where this request is answered REJECTED "
                        + "REQUEST_TOO_LARGE instead of being written again",
                item.getRequestId(),
                lineKey,
                record.topic(),
                size,
                exception.getMessage(),
                learned);
        return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(
            ErrorHandlerContext context,
            ProducerRecord record,
            Exception exception,
            SerializationExceptionOrigin origin) {
        return fallback.handleSerializationError(context, record, exception, origin);
    }

    private String learnedLimit(String topic) {
        if (limits == null) {
            return "unknown";
        }
        for (RecordLimits.Limit l :
                java.util.List.of(limits.repartition(), limits.batches(), limits.responses(), limits.dlq())) {
            if (l.topic().equals(topic)) {
                return l.describe();
            }
        }
        return "unknown";
    }

    /** The request a repartition record or a genai.batches item carries; null for anything else. */
    private BatchItem itemOf(ProducerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            if (record.topic().endsWith("-" + AccumulatorTopology.REPARTITION_NAME + "-repartition")) {
                return PreparedItem.serde()
                        .deserializer()
                        .deserialize(record.topic(), record.value())
                        .item();
            }
            if (limits != null && !record.topic().equals(limits.batches().topic())) {
                return null;
            }
            BatchRecord batch = BATCHES.decode(record.value());
            return batch.getItem();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
