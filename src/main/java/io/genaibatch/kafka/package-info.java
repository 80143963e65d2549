/**
 * Topics and their creation, Kafka clients, record codecs (Avro single-object encoding or JSON), and the embedded
 * KRaft broker; whether a group consumer is in its group (GroupMembership, for readiness); the one catch-up read of a
 * topic to its end (ReadToEnd, used by every reader of genai.jobs, the window config and genai.responses).
 *
 * <p>Must never import: a role, the Gemini client, the emulator, bench or cli.
 */
package io.genaibatch.kafka;
