package io.genaibatch.gemini;

/**
 * Request counters of a batch job ({@code batchStats} in the raw JSON; the SDK 2.0.0 does not expose them).
 */
public record BatchStats(
        long requestCount, long successfulRequestCount, long failedRequestCount, long pendingRequestCount) {}
