/**
 * genai.jobs as the operators' tools read it: every record of a batch, its lineage and the state shown for it, and
 * a job's JSON, the same for {@code jobs list --json}, {@code /api/jobs} and the status page.
 *
 * <p>Must never import: a role, the Gemini client, the emulator, bench or cli.
 */
package io.genaibatch.jobs;
