package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.Error;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The answers to held requests that could not be read back when their model was enabled again (HELD_REQUEST_LOST). */
final class LostHeldRequests {
    private static final RecordCodec<GenAiResponse> RESPONSES = RecordCodec.genAiResponse();

    private LostHeldRequests() {}

    /**
     * One ERROR response per held request that could not be read back, under its key. Only what the pointer kept is
     * known: not the caller's requestId (the derived one is given), metadata, kind or headers.
     */
    static List<ProducerRecord<byte[], byte[]>> responses(
            HeldRequestsLostException lost, String responsesTopic, ValueFormat format) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        Instant now = Instant.now();
        for (HeldRequestsLostException.Lost l : lost.lost()) {
            String message = "the request was held while model " + l.model()
                    + " was disabled (window.enabled=false) and "
                    + "could not be read back from " + l.topic() + "-" + l.partition() + " at offset " + l.offset()
                    + " when it was enabled again: " + l.problem().why() + ". It was never sent to the API; "
                    + whatNext(l.problem().reason());
            GenAiResponse response = GenAiResponse.newBuilder()
                    .setRequestId(RequestIds.derived(l.topic(), l.partition(), l.offset()))
                    .setStatus(ResponseStatus.ERROR)
                    .setError(Error.newBuilder()
                            .setCode(ErrorCode.HELD_REQUEST_LOST.code())
                            .setMessage(message)
                            .setHttpStatus(null)
                            .build())
                    .setModel(l.model())
                    .setKind(null)
                    .setMetadata(Map.of())
                    .setReceivedAt(Instant.ofEpochMilli(l.timestamp()))
                    .setCompletedAt(now)
                    .build();
            out.add(new ProducerRecord<>(responsesTopic, null, null, l.key(), RESPONSES.encode(response, format)));
        }
        return out;
    }

    /** Publishing it again helps only when the record itself is gone; otherwise it meets the same refusal or failure. */
    private static String whatNext(HeldRequestsLostException.Reason reason) {
        return switch (reason) {
            case RETENTION, REPLACED -> "publish it again";
            case INVALID ->
                "published again as it is, it is refused the same way until that is fixed (the request, or "
                        + "the configuration that refuses it)";
            case FAILED -> "published again, it may fail the same way until that bug is fixed";
        };
    }
}
