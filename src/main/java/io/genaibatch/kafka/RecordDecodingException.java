package io.genaibatch.kafka;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The bytes of a record value are not a record of the expected type. The message says what was expected
 * and what was found, in words fit for a REJECTED response or a DLQ header; the cause, when there is one,
 * is the Avro or Jackson exception behind it.
 *
 * <p>A {@link SerializationException} so that Kafka's consumer and Streams deserialization handlers
 * treat it as what it is: one bad record, not a broken client.
 */
public final class RecordDecodingException extends SerializationException {
    RecordDecodingException(String message) {
        super(message);
    }

    RecordDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
