package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.JobState;
import io.genaibatch.records.ResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class ResponsesTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private final BatchJob job = JobTableTest.job("b-1", "batches/j-1", JobState.SUCCEEDED, 0);
    private final BatchItem item = ItemIndexTest.item("r-1", "user-key-1");

    @Test
    void shouldCarryTheResponseAsItCameBackWithItsTokensAndTheRequestsContext() throws Exception {
        String response = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi \\u00e9\"}]}}], "
                + "\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":5,\"totalTokenCount\":9}}";

        GenAiResponse r = Responses.succeeded(job, item, responseOf(response), NOW);

        assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
        assertThat(r.getResponse()).as("the very text of the result line").isEqualTo(response);
        assertThat(r.getUsage().getPromptTokens()).isEqualTo(3);
        assertThat(r.getUsage().getCandidatesTokens()).isEqualTo(5);
        assertThat(r.getUsage().getTotalTokens())
                .as("the API's total, thinking tokens included")
                .isEqualTo(9);
        assertThat(r.getRequestId()).isEqualTo("r-1");
        assertThat(r.getBatchId()).isEqualTo("b-1");
        assertThat(r.getJobName()).isEqualTo("batches/j-1");
        assertThat(r.getModel()).isEqualTo(item.getModel());
        assertThat(r.getKind()).isEqualTo(item.getKind());
        assertThat(r.getMetadata()).isEqualTo(item.getMetadata());
        assertThat(r.getReceivedAt()).isEqualTo(item.getReceivedAt());
        assertThat(r.getCompletedAt()).isEqualTo(NOW);
    }

    @Test
    void shouldLeaveUsageOutWhenTheApiReportedNone() throws Exception {
        GenAiResponse r = Responses.succeeded(job, item, responseOf("{\"embedding\":{\"values\":[0.1,0.2]}}"), NOW);
        assertThat(r.getUsage()).isNull();
        assertThat(ResultFile.MAPPER
                        .readTree(r.getResponse())
                        .at("/embedding/values")
                        .size())
                .isEqualTo(2);
    }

    @Test
    void shouldKeyTheRecordByTheOriginalKeyWithTheOriginalHeadersInOrderThenTheAnsweringAttempt() {
        Responses responses = new Responses("responses", ValueFormat.JSON);
        GenAiResponse r = Responses.answer(job, item, ResponseStatus.FAILED, new Error("INTERNAL", "boom", 500), NOW);

        BatchJob second = BatchJob.newBuilder(job).setAttempt(2).build();
        ProducerRecord<byte[], byte[]> record = responses.record(
                item, r, second, io.genaibatch.batch.Lineage.root("root-7").child("root-7", 2, "JOB_FAILED", null));

        assertThat(record.topic()).isEqualTo("responses");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("user-key-1");
        List<Header> headers = new ArrayList<>();
        record.headers().forEach(headers::add);
        assertThat(headers)
                .extracting(Header::key)
                .containsExactly("h", "n", "genai-batch.attempt", "genai-batch.root-batch-id");
        assertThat(headers.get(0).value()).containsExactly(1, 2);
        assertThat(headers.get(1).value()).isNull();
        assertThat(new String(headers.get(2).value(), StandardCharsets.UTF_8)).isEqualTo("2");
        assertThat(new String(headers.get(3).value(), StandardCharsets.UTF_8)).isEqualTo("root-7");
        GenAiResponse decoded = RecordCodec.genAiResponse().decode(record.value());
        assertThat(decoded.getStatus()).isEqualTo(ResponseStatus.FAILED);
        assertThat(decoded.getError().getHttpStatus()).isEqualTo(500);
        assertThat(decoded.getResponse()).isNull();
    }

    /** The response of a result line carrying {@code json}, as the publisher reads it. */
    private static ResultFile.Response responseOf(String json) {
        byte[] line = ("{\"key\":\"k\",\"response\":" + json + "}").getBytes(StandardCharsets.UTF_8);
        return ResultFile.parse(line, line.length).response().orElseThrow();
    }
}
