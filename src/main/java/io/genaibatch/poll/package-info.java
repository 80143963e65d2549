/**
 * The poll role: follows the jobs recorded in genai.jobs, applies the job policy to each outcome, and publishes
 * exactly one response per request to genai.responses in transactional chunks.
 *
 * <p>Must never import: another role (accumulate, submit), the google-genai SDK (only through gemini.BatchApi),
 * the emulator, bench or cli.
 */
package io.genaibatch.poll;
