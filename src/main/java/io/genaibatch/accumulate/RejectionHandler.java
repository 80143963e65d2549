package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' deserialization and processing exception handler for the accumulator: every refused request,
 * foreseen ({@link RejectedRequestException}) or not, gets a REJECTED {@link GenAiResponse} on genai.responses and
 * its raw record on the dead-letter topic, both returned to Kafka Streams, which sends them in the task's
 * transaction: the offset is committed with them or not at all.
 *
 * <p>The DLQ record is Kafka Streams' own (KIP-1034, {@code errors.dead.letter.queue.topic.name}), built by the
 * stock log-and-continue handlers with their {@code __streams.errors.*} headers (exception, message, stack trace,
 * topic, partition, offset); this handler adds {@link DlqHeaders#CODE}, {@link DlqHeaders#MESSAGE} and
 * {@link DlqHeaders#REQUEST_ID}.
 *
 * <p>A {@link StreamsException} (a failing state store, a fenced producer) is not the record's fault: the handler
 * answers FAIL, the stream thread is replaced and the task resumes from its last commit, so no request is rejected
 * for an infrastructure fault. A failure inside a punctuation (no record) is logged and retried at the next one.
 *
 * <p>This class decides which failure gets which answer; the rejection is named by {@link UndecodableRequests}
 * or {@link UnforeseenFailures} (a foreseen one comes with its {@link RejectedRequestException}), the records are
 * fitted to their topics' limits by {@link FittedRecords}, a request that failed after the repartition is rebuilt
 * by {@link RebuiltRequests}, and held requests lost at release are answered by {@link LostHeldRequests}.
 */
public final class RejectionHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {
    /** Streams config entries this handler reads (passed through Kafka Streams' config map). */
    static final String CONFIG_REQUESTS_TOPIC = "genai.accumulate.requests.topic";

    static final String CONFIG_RESPONSES_TOPIC = "genai.accumulate.responses.topic";
    static final String CONFIG_VALUE_FORMAT = "genai.accumulate.value.format";
    static final String CONFIG_METRICS = "genai.accumulate.metrics";

    private static final Logger log = LoggerFactory.getLogger(RejectionHandler.class);

    private final LogAndContinueExceptionHandler deserializationDlq = new LogAndContinueExceptionHandler();
    private final LogAndContinueProcessingExceptionHandler processingDlq =
            new LogAndContinueProcessingExceptionHandler();
    private String requestsTopic;
    private String responsesTopic;
    private String dlqTopic;
    private ValueFormat format;
    private AccumulatorMetrics metrics;
    private FittedRecords fitted;

    @Override
    public void configure(Map<String, ?> configs) {
        deserializationDlq.configure(configs);
        processingDlq.configure(configs);
        requestsTopic = (String) configs.get(CONFIG_REQUESTS_TOPIC);
        responsesTopic = (String) configs.get(CONFIG_RESPONSES_TOPIC);
        dlqTopic =
                (String) configs.get(org.apache.kafka.streams.StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        Object f = configs.get(CONFIG_VALUE_FORMAT);
        format = f == null ? ValueFormat.AVRO : ValueFormat.valueOf(f.toString());
        Object m = configs.get(CONFIG_METRICS);
        metrics = m instanceof AccumulatorMetrics given ? given : AccumulatorMetrics.NONE;
        Object l = configs.get(TooLargeRecordHandler.CONFIG_LIMITS);
        String producer = "the producer's max.request.size";
        RecordLimits.Limit responsesLimit = l instanceof RecordLimits limits
                ? limits.responses()
                : new RecordLimits.Limit(RecordLimits.KAFKA_DEFAULT, String.valueOf(responsesTopic), producer);
        RecordLimits.Limit dlqLimit = l instanceof RecordLimits limits
                ? limits.dlq()
                : new RecordLimits.Limit(RecordLimits.KAFKA_DEFAULT, String.valueOf(dlqTopic), producer);
        fitted = new FittedRecords(responsesTopic, format, responsesLimit, dlqLimit);
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        List<ProducerRecord<byte[], byte[]>> dlq =
                deserializationDlq.handleError(context, record, exception).deadLetterQueueRecords();
        if (!java.util.Objects.equals(record.topic(), requestsTopic)) {
            log.error(
                    "Undecodable record on {}-{} at offset {}, copied to the DLQ: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    exception.getMessage());
            return DeserializationExceptionHandler.Response.resume(dlq);
        }
        try {
            Rejection rejection = UndecodableRequests.classify(
                    new RequestValidator.Source(
                            record.topic(), record.partition(), record.offset(), record.timestamp()),
                    record.value(),
                    exception);
            return DeserializationExceptionHandler.Response.resume(
                    answer(rejection, record.key(), record.headers(), dlq));
        } catch (RuntimeException e) {
            log.error(
                    "Could not build the REJECTED response of {}-{}@{}; the DLQ copy is still written",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e);
            return DeserializationExceptionHandler.Response.resume(dlq);
        }
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(
            ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (exception instanceof StreamsException) {
            log.error(
                    "Kafka Streams failure while processing {}-{}@{} in {}: failing the task so it resumes from its last "
                            + "commit",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    context.processorNodeId(),
                    exception);
            return ProcessingExceptionHandler.Response.fail();
        }
        if (record == null && exception instanceof HeldRequestsLostException lost) {
            return ProcessingExceptionHandler.Response.resume(LostHeldRequests.responses(lost, responsesTopic, format));
        }
        if (record == null) {
            log.error(
                    "Punctuation failed in {} (task {}); it runs again in a second",
                    context.processorNodeId(),
                    context.taskId(),
                    exception);
            return ProcessingExceptionHandler.Response.resume();
        }
        List<ProducerRecord<byte[], byte[]>> dlq =
                processingDlq.handleError(context, record, exception).deadLetterQueueRecords();
        if (!(record.value() instanceof PreparedItem) && !java.util.Objects.equals(requestsTopic, context.topic())) {
            // Not a request (e.g. the global window-config processor): nobody to answer; the record is skipped.
            log.error(
                    "Processing failed in {} on {}-{}@{}; record skipped",
                    context.processorNodeId(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception);
            return ProcessingExceptionHandler.Response.resume(dlq);
        }
        try {
            Rejection rejection = exception instanceof RejectedRequestException rejected
                    ? rejected.rejection()
                    : UnforeseenFailures.rejection(context, record, exception);
            if (record.value() instanceof PreparedItem prepared) {
                BatchItem item = prepared.item();
                // Failed after the repartition: the raw record Kafka Streams has is our intermediate item, so the
                // DLQ gets the request rebuilt from it, under its original key and headers.
                List<ProducerRecord<byte[], byte[]>> copies = RebuiltRequests.dlqCopies(item, dlq, format);
                if (copies.isEmpty() && dlqTopic != null) {
                    log.warn("No DLQ record was built for request {}", item.getRequestId());
                }
                return ProcessingExceptionHandler.Response.resume(
                        answer(rejection, RebuiltRequests.key(item), RebuiltRequests.headers(item), copies));
            }
            return ProcessingExceptionHandler.Response.resume(
                    answer(rejection, context.sourceRawKey(), context.headers(), dlq));
        } catch (RuntimeException e) {
            log.error(
                    "Could not build the REJECTED response of {}-{}@{}; the DLQ copy is still written",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    e);
            return ProcessingExceptionHandler.Response.resume(dlq);
        }
    }

    /** The REJECTED response plus the DLQ records, with our error headers added to the latter. */
    private List<ProducerRecord<byte[], byte[]>> answer(
            Rejection rejection, byte[] key, Headers originalHeaders, List<ProducerRecord<byte[], byte[]>> dlq) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        ProducerRecord<byte[], byte[]> response = fitted.response(rejection, key, originalHeaders);
        if (response != null) {
            out.add(response);
        }
        // A REJECTED response is counted only when one is written (it is not when even a bare one is too large).
        metrics.requestRejected(rejection.model(), rejection.code(), dlq.size(), response != null);
        for (ProducerRecord<byte[], byte[]> d : dlq) {
            DlqHeaders.add(d.headers(), rejection);
            out.add(fitted.dlq(d));
        }
        if (rejection.code() == ErrorCode.PROCESSING_FAILED) {
            log.error(
                    "Request {} rejected after an unexpected failure: {}", rejection.requestId(), rejection.message());
        } else {
            log.info("Request {} rejected: {} {}", rejection.requestId(), rejection.code(), rejection.message());
        }
        return out;
    }
}
