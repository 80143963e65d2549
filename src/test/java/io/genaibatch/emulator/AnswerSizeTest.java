package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.genai.Client;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.Content;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.JobState;
import com.google.genai.types.Part;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Answers of a chosen size: the answerBytes option for every answer, the prompt marker for one request. */
class AnswerSizeTest {
    @Test
    void shouldPadToOptionUnlessMarkerSaysOtherwise() {
        assertThat(AnswerGenerator.padded("echo: hi", 0)).isEqualTo("echo: hi");
        assertThat(AnswerGenerator.padded("echo: hi", 100))
                .hasSizeGreaterThanOrEqualTo(100)
                .startsWith("echo: hi filler");
        assertThat(AnswerGenerator.padded("echo: hi", 3)).isEqualTo("echo: hi");
        assertThat(AnswerGenerator.padded("echo: x [emulator:answer-bytes=50]", 1000))
                .hasSizeBetween(50, 60);
        assertThat(AnswerGenerator.padded("echo: x [emulator:answer-bytes=5000]", 10))
                .hasSizeGreaterThanOrEqualTo(5000);
    }

    @Test
    void shouldRefuseAnswerBytesOutOfRange() {
        assertThatThrownBy(() -> EmulatorOptions.builder().answerBytes(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("answerBytes");
        assertThatThrownBy(
                        () -> EmulatorOptions.builder().answerBytes(16_000_001).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("answerBytes");
    }

    @Test
    void shouldAnswerEveryRequestWithAtLeastAnswerBytesThroughSdk() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.builder()
                        .runningMillis(10)
                        .answerBytes(1_200_000)
                        .build());
                Client client = Sdk.client(emulator)) {
            BatchJob job = client.batches.create(
                    "gemini-2.5-flash",
                    BatchJobSource.builder()
                            .inlinedRequests(List.of(request("small"), request("tiny [emulator:answer-bytes=100]")))
                            .build(),
                    CreateBatchJobConfig.builder().displayName("big").build());
            BatchJob done = Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);
            var responses = done.dest().orElseThrow().inlinedResponses().orElseThrow();
            String first = responses.get(0).response().orElseThrow().text();
            String second = responses.get(1).response().orElseThrow().text();
            assertThat(first).startsWith("echo: small filler").hasSizeGreaterThanOrEqualTo(1_200_000);
            assertThat(second).startsWith("echo: tiny").hasSizeLessThan(200);
        }
    }

    private static InlinedRequest request(String text) {
        return InlinedRequest.builder()
                .contents(List.of(Content.builder()
                        .role("user")
                        .parts(List.of(Part.fromText(text)))
                        .build()))
                .build();
    }
}
