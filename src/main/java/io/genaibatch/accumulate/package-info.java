/**
 * The accumulate role: a Kafka Streams topology that validates requests from genai.requests, groups them by model
 * and kind, and writes sized, time-bounded batches (items, then a seal) to genai.batches, steered at run time by
 * genai.window-config. Bad input becomes a REJECTED response and a DLQ copy.
 *
 * <p>Must never import: another role (submit, poll), the Gemini client or SDK, the emulator, bench or cli.
 */
package io.genaibatch.accumulate;
