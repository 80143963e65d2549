/**
 * What the roles share about a batch: the JSONL line format and line keys, the lineage of re-batched work, the
 * API's limits, and the catalogue of the service's error codes (ErrorCode).
 *
 * <p>Must never import: a role, kafka, the Gemini client, the emulator, bench or cli.
 */
package io.genaibatch.batch;
