/**
 * What the roles share about a batch: the JSONL line format and line keys, the lineage of re-batched work, and the
 * API's limits.
 *
 * <p>Must never import: a role, kafka, the Gemini client, the emulator, bench or cli.
 */
package io.genaibatch.batch;
