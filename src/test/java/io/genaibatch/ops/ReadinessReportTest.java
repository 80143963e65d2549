package io.genaibatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Role;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class ReadinessReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A role that says what it is told to, and may have stopped. */
    private record FixedRole(String name, Readiness readiness, CompletableFuture<Void> ended) implements Role {
        FixedRole(String name, Readiness readiness) {
            this(name, readiness, new CompletableFuture<>());
        }

        @Override
        public void start() {}

        @Override
        public CompletionStage<Void> stopped() {
            return ended;
        }

        @Override
        public void close() {}
    }

    @Test
    void everyRoleReadyAnswers200Up() throws Exception {
        ReadinessReport report = ReadinessReport.of(
                List.of(new FixedRole("accumulate", Readiness.READY), new FixedRole("poll", Readiness.READY)));

        JsonNode body = JSON.readTree(report.json());
        assertThat(report.httpStatus()).isEqualTo(200);
        assertThat(body.path("status").asText()).isEqualTo("UP");
        assertThat(body.at("/roles/accumulate/ready").asBoolean()).isTrue();
        assertThat(body.at("/roles/poll/ready").asBoolean()).isTrue();
        assertThat(body.at("/roles/poll/problems").isMissingNode()).isTrue();
    }

    @Test
    void oneRoleNotReadyAnswers503NamingItAndEachOfItsProblems() throws Exception {
        ReadinessReport report = ReadinessReport.of(List.of(
                new FixedRole("accumulate", Readiness.READY),
                new FixedRole(
                        "submit",
                        Readiness.notReady("consumer has not joined its group yet")
                                .and(Readiness.notReady("the Gemini API did not answer")))));

        JsonNode body = JSON.readTree(report.json());
        assertThat(report.httpStatus()).isEqualTo(503);
        assertThat(body.path("status").asText()).isEqualTo("DOWN");
        assertThat(body.at("/roles/accumulate/ready").asBoolean()).isTrue();
        assertThat(body.at("/roles/submit/ready").asBoolean()).isFalse();
        assertThat(body.at("/roles/submit/problems"))
                .extracting(JsonNode::asText)
                .containsExactly("consumer has not joined its group yet", "the Gemini API did not answer");
    }

    @Test
    void aRoleThatStoppedOnItsOwnIsNotReadyWithTheReasonWhateverItSays() throws Exception {
        CompletableFuture<Void> failed = new CompletableFuture<>();
        failed.completeExceptionally(new IllegalStateException("producer fenced"));

        ReadinessReport report = ReadinessReport.of(List.of(new FixedRole("submit", Readiness.READY, failed)));

        JsonNode body = JSON.readTree(report.json());
        assertThat(report.httpStatus()).isEqualTo(503);
        assertThat(body.at("/roles/submit/problems/0").asText()).isEqualTo("stopped on its own: producer fenced");
    }
}
