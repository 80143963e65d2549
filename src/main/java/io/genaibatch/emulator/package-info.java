/**
 * A local server of the Gemini Batch and Files REST protocol, with deterministic answers and fault injection, for
 * tests, the demo, benchmarks and offline development with any official SDK.
 *
 * <p>Must never import: a role, the Gemini client, kafka, config, batch, records, bench, cli or ops: it stands
 * in for the service, and must know no more of the product than the service does (run's file utilities are fine).
 */
package io.genaibatch.emulator;
