package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streaming reader of raw batch Operations: the fields the SDK hides, in any order. */
class OperationJsonTest {

    private static BatchJobInfo read(String json) throws IOException {
        try (JsonParser p = OperationJson.MAPPER.getFactory().createParser(json)) {
            return OperationJson.readOperation(p);
        }
    }

    @Test
    void shouldReadStatsAsStringsOrNumbersAndCountInlineResponses() throws IOException {
        BatchJobInfo job = read("""
                {"name": "batches/a", "done": true,
                 "metadata": {"name": "batches/a", "displayName": "b-1", "model": "models/gemini-2.5-flash",
                   "state": "BATCH_STATE_SUCCEEDED", "createTime": "2026-11-25T10:00:00Z",
                   "endTime": "2026-11-25T10:05:00Z",
                   "batchStats": {"requestCount": "3", "successfulRequestCount": 2, "failedRequestCount": "1",
                                  "pendingRequestCount": "0"},
                   "output": {"inlinedResponses": {"inlinedResponses": [
                       {"response": {"candidates": [{"content": {"parts": [{"text": "x"}]}}]}, "metadata": {"key": "k1"}},
                       {"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}},
                       {"response": {}, "metadata": {"key": "k3"}}]}}},
                 "response": {"@type": "x", "inlinedResponses": {"inlinedResponses": [{"response": {}}]}}}
                """);

        assertThat(job.name()).isEqualTo("batches/a");
        assertThat(job.displayName()).isEqualTo("b-1");
        assertThat(job.state()).isEqualTo(BatchState.SUCCEEDED);
        assertThat(job.createTime()).contains(Instant.parse("2026-11-25T10:00:00Z"));
        assertThat(job.updateTime()).isEmpty();
        assertThat(job.stats()).contains(new BatchStats(3, 2, 1, 0));
        // metadata.output wins over the top-level response.
        assertThat(job.output().inlineResponseCount()).isEqualTo(3);
        assertThat(job.output().responsesFile()).isEmpty();
        assertThat(job.error()).isEmpty();
    }

    @Test
    void shouldReadTheOutputFromTheTopLevelResponseWhenMetadataHasNone() throws IOException {
        BatchJobInfo job = read("""
                {"response": {"responsesFile": "files/out-1"}, "done": true,
                 "metadata": {"state": "JOB_STATE_SUCCEEDED", "name": "batches/b"}}
                """);

        assertThat(job.name()).isEqualTo("batches/b");
        assertThat(job.state()).isEqualTo(BatchState.SUCCEEDED);
        assertThat(job.output().responsesFile()).contains("files/out-1");
        assertThat(job.output().isInline()).isFalse();
    }

    @Test
    void shouldReadTheErrorOfAFailedJobFromEitherPlace() throws IOException {
        assertThat(read("""
                {"name": "batches/c", "metadata": {"state": "BATCH_STATE_FAILED",
                  "error": {"code": 500, "message": "boom", "status": "INTERNAL"}}}
                """).error()).contains(new ApiError(500, "INTERNAL", "boom"));
        assertThat(read("""
                {"name": "batches/c", "error": {"code": 13, "message": "top"}, "metadata": {"state": "BATCH_STATE_FAILED"}}
                """).error()).contains(new ApiError(13, "", "top"));
    }

    @Test
    void shouldMapAnUnknownStateToUnknownNotAnException() throws IOException {
        assertThat(read("{\"name\": \"batches/d\", \"metadata\": {\"state\": \"BATCH_STATE_PAUSED\"}}")
                        .state())
                .isEqualTo(BatchState.UNKNOWN);
    }

    @Test
    void shouldStreamInlineResultsWithKeysErrorsAndMissingMetadata() throws IOException {
        String json = """
                {"name": "batches/e", "metadata": {"state": "BATCH_STATE_SUCCEEDED", "batchStats": {},
                   "output": {"inlinedResponses": {"inlinedResponses": [
                     {"metadata": {"key": "k1"}, "response": {"candidates": [{"content": {"parts": [{"text": "one"}]}}]}},
                     {"error": {"code": 429, "message": "later", "status": "RESOURCE_EXHAUSTED"}, "metadata": {"key": "k2"}},
                     {"response": {"candidates": []}}]}}}}
                """;
        List<InlineResult> results = new ArrayList<>();
        try (JsonParser p = OperationJson.MAPPER.getFactory().createParser(json)) {
            OperationJson.Position pos = OperationJson.seekInlineResponses(p);
            assertThat(pos.found).isTrue();
            int i = 0;
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                results.add(OperationJson.readInlineResult(p, i++));
            }
        }

        assertThat(results).hasSize(3);
        assertThat(results.get(0).key()).contains("k1");
        assertThat(TestSupport.text(results.get(0).response().orElseThrow())).isEqualTo("one");
        assertThat(results.get(1).error()).contains(new ApiError(429, "RESOURCE_EXHAUSTED", "later"));
        assertThat(results.get(1).error().orElseThrow().isRetriable()).isTrue();
        assertThat(results.get(2).key()).isEmpty();
        assertThat(results.get(2).index()).isEqualTo(2);
    }
}
