/**
 * The submit role: sealed batches on genai.batches become exactly one Gemini batch job each (inline or from an
 * uploaded JSONL file), recorded in genai.jobs in the same transaction as the consumed offsets.
 *
 * <p>Must never import: another role (accumulate, poll), the google-genai SDK (only through gemini.BatchApi), the
 * emulator, bench or cli.
 */
package io.genaibatch.submit;
