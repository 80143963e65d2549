package io.genaibatch.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * One inlined response of a finished inline job.
 *
 * @param index    0-based position in the job's output; never use it to map results (the service may
 *                 reorder them), only to report
 * @param key      the request's {@code metadata.key}, empty when the service did not echo it back: such a
 *                 result must not be attached to any request
 * @param response the REST GenerateContentResponse (or EmbedContentResponse) JSON, empty on error
 * @param error    the per-request error, empty on success
 */
public record InlineResult(int index, Optional<String> key, Optional<JsonNode> response, Optional<ApiError> error) {}
