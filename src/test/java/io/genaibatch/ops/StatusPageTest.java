package io.genaibatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.jobs.JobsReader;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsReader.JobRecord;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.run.OpenBatches;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StatusPageTest {
    private static final Instant NOW = Instant.parse("2026-12-05T03:00:00Z");

    /** A role as `run` holds it, stopped (or not) and ready (or not) the way the test says. */
    private record StoppedRole(String name, CompletableFuture<Void> stopped, Readiness readiness) implements Role {
        StoppedRole(String name, CompletableFuture<Void> stopped) {
            this(name, stopped, Readiness.READY);
        }

        @Override
        public void start() {}

        @Override
        public void close() {}
    }

    @Test
    void shouldShowAFailedRoleInRedWithItsCause() {
        CompletableFuture<Void> failed =
                CompletableFuture.failedFuture(new IllegalStateException("fenced by another poller"));
        CompletableFuture<Void> running = new CompletableFuture<>();

        String page = StatusPage.render(
                status(),
                List.of(),
                List.of(new StoppedRole("poll", failed), new StoppedRole("submit", running)),
                Duration.ofSeconds(10),
                NOW);

        assertThat(page).contains("<td class=\"bad\">NOT READY: stopped on its own: fenced by another poller</td>");
        assertThat(page).contains("<td class=\"ok\">ready</td>");
    }

    @Test
    void shouldShowARunningRoleThatIsNotReadyInRedAndOneNotStartedWithoutFailing() {
        String page = StatusPage.render(
                status(),
                List.of(),
                List.of(
                        new StoppedRole(
                                "accumulate",
                                new CompletableFuture<>(),
                                Readiness.notReady("the brokers are out of reach")),
                        new NotStartedRole()),
                Duration.ofSeconds(10),
                NOW);

        assertThat(page).contains("<td class=\"bad\">NOT READY: the brokers are out of reach</td>");
        assertThat(page).contains("<td class=\"bad\">NOT READY: not started</td>");
    }

    /** As the submitter before its start: asking when it stops is refused. */
    private record NotStartedRole() implements Role {
        @Override
        public String name() {
            return "submit";
        }

        @Override
        public void start() {}

        @Override
        public CompletableFuture<Void> stopped() {
            throw new IllegalStateException("submitter not started");
        }

        @Override
        public void close() {}
    }

    @Test
    void shouldShowEachModelsOpenBatchesOrSayThatThisProcessRunsNoAccumulator() throws Exception {
        StatusCache.Status without =
                status(Endpoints.openBatches(List.of(new StoppedRole("poll", new CompletableFuture<>())))
                        .openBatches());
        assertThat(StatusPage.render(without, ModelLine.of(without), List.of(), Duration.ofSeconds(10), NOW))
                .contains("<td class=\"muted\">no accumulator in this process</td>");

        StatusCache.Status with = status(OpenBatches.known(
                Map.of("gemini-2.5-pro", new OpenBatches.Model(2, 1234, 5_678_901, NOW.minusSeconds(90)))));
        List<ModelLine> models = ModelLine.of(with);
        String page = StatusPage.render(with, models, List.of(), Duration.ofSeconds(10), NOW);

        assertThat(page)
                .contains("<td>1,234 requests, 5,678,901 bytes, open 1m30s (2 batches, oldest)</td>")
                .contains("<td class=\"muted\">none</td>")
                .contains("open batch (this instance)");
        ModelLine pro = models.stream()
                .filter(m -> m.model().equals("gemini-2.5-pro"))
                .findFirst()
                .orElseThrow();
        assertThat(pro.json(new com.fasterxml.jackson.databind.ObjectMapper())
                        .get("openBatch")
                        .toString())
                .startsWith("{\"batches\":2,\"requests\":1234,\"bytes\":5678901,\"oldestAgeSeconds\":");
    }

    @Test
    void shouldEscapeWhatComesFromTheTopicsAndLinkEachJobToItsDetails() {
        String page = StatusPage.render(status(), List.of(), List.of(), Duration.ofSeconds(10), NOW);

        assertThat(page).doesNotContain("<b>x</b>").contains("&lt;b&gt;x&lt;/b&gt;");
        assertThat(page).contains("<a href=\"/api/jobs?batch=gemini-2.5-flash-g0-000001\">");
        assertThat(page).contains("Jobs in flight (1)", "RUNNING", "3m00s");
        assertThat(page).contains("<meta http-equiv=\"refresh\" content=\"10\">");
    }

    private static StatusCache.Status status() {
        return status(OpenBatches.unknown(ModelLine.NO_ACCUMULATOR));
    }

    private static StatusCache.Status status(OpenBatches openBatches) {
        BatchJob job = BatchJob.newBuilder()
                .setBatchId("gemini-2.5-flash-g0-000001")
                .setGroupKey("g")
                .setModel("gemini-2.5-flash")
                .setKind(RequestKind.GENERATE)
                .setAttempt(1)
                .setItemCount(7)
                .setItemBytes(70L)
                .setItemsPartition(0)
                .setFirstItemOffset(0L)
                .setLastItemOffset(7L)
                .setInputMode(InputMode.INLINE)
                .setJobName("batches/<b>x</b>")
                .setState(JobState.RUNNING)
                .setCreatedAt(NOW.minusSeconds(180))
                .setUpdatedAt(NOW)
                .build();
        Batch batch =
                new Batch(job.getBatchId(), List.of(new JobRecord(job.getBatchId(), 0, 0, NOW, job, Optional.empty())));
        JobsReader.Snapshot jobs = new JobsReader.Snapshot("genai.jobs", Map.of(batch.batchId(), batch), List.of());
        return new StatusCache.Status(
                NOW, jobs, null, null, null, openBatches, List.of(), List.of(), List.of(), true, null);
    }
}
