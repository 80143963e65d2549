/**
 * Topics and their creation, Kafka clients, record codecs (Avro single-object encoding or JSON), and the embedded
 * KRaft broker; whether a group consumer is in its group (GroupMembership, for readiness).
 *
 * <p>Must never import: a role, the Gemini client, the emulator, bench or cli.
 */
package io.genaibatch.kafka;
