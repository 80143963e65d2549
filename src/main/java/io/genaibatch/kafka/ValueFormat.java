package io.genaibatch.kafka;

/**
 * How the service writes a record value. Reading never needs it: {@link RecordCodec#decode(byte[])}
 * recognises both formats from the bytes, so a topic can carry a mix while producers migrate.
 */
public enum ValueFormat {
    /** Avro single-object encoding: magic 0xC3 0x01, the 8-byte schema fingerprint, the binary datum. */
    AVRO,
    /** Plain UTF-8 JSON of the same fields (see docs/SCHEMAS.md), for consumers without Avro. */
    JSON
}
