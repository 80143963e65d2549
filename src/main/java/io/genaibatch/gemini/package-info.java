/**
 * The one seam to the Gemini Batch and Files API (BatchApi): the google-genai SDK where it is right, our own HTTP
 * where it is not, one retry policy with its circuit breaker (ApiCircuit) and the probe of an idle client (ApiProbe),
 * the meters of its calls (CallMeter) and of its file transfers (MeteredBatchApi). The only package that imports the SDK.
 *
 * <p>Must never import: a role, the emulator, kafka, bench or cli.
 */
package io.genaibatch.gemini;
