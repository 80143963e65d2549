package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.ops.Prices;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.Usage;
import io.genaibatch.run.Telemetry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The names a scraper sees for what the poller counts: Prometheus text from the process's telemetry. */
class PollerMetricNamesTest {
    @Test
    void aPublishedResponseShowsAsResponsesTokensCostAndLatencyByModel() {
        try (Telemetry telemetry = Telemetry.prometheus()) {
            PollerCounters counters = new PollerCounters(telemetry, Prices.from(GenAiBatchConfig.defaults()));
            Instant received = Instant.parse("2026-01-01T00:00:00Z");
            counters.response(GenAiResponse.newBuilder()
                    .setRequestId("r1")
                    .setStatus(ResponseStatus.SUCCEEDED)
                    .setModel("gemini-2.5-flash")
                    .setUsage(new Usage(1_000_000L, 400_000L, 2_000_000L))
                    .setReceivedAt(received)
                    .setCompletedAt(received.plusSeconds(90))
                    .build());

            String scrape = telemetry.scrape();

            assertThat(scrape)
                    .contains(
                            "genai_responses_total{model=\"gemini-2.5-flash\",status=\"SUCCEEDED\"} 1.0",
                            "genai_tokens_total{direction=\"in\",model=\"gemini-2.5-flash\"} 1000000.0",
                            // Output: the total less the prompt, thinking tokens included (billed as output).
                            "genai_tokens_total{direction=\"out\",model=\"gemini-2.5-flash\"} 1000000.0",
                            // 0.30 in + 2.50 out per million at the interactive price, half of it at the batch price.
                            "genai_cost_interactive_usd_total{model=\"gemini-2.5-flash\"} 2.8",
                            "genai_cost_batch_usd_total{model=\"gemini-2.5-flash\"} 1.4",
                            "genai_request_latency_seconds_bucket{model=\"gemini-2.5-flash\",status=\"SUCCEEDED\",le=\"60.0\"} 0",
                            "genai_request_latency_seconds_bucket{model=\"gemini-2.5-flash\",status=\"SUCCEEDED\",le=\"300.0\"} 1",
                            "genai_request_latency_seconds_count{model=\"gemini-2.5-flash\",status=\"SUCCEEDED\"} 1");
            assertThat(counters.snapshot().responses(ResponseStatus.SUCCEEDED)).isEqualTo(1);
        }
    }

    @Test
    void aJobSeenRunningShowsItsQueueTimeByModel() {
        try (Telemetry telemetry = Telemetry.prometheus()) {
            PollerCounters counters = new PollerCounters(telemetry, null);
            Instant submitted = Instant.parse("2026-01-01T00:00:00Z");
            io.genaibatch.records.BatchJob job = io.genaibatch.records.BatchJob.newBuilder()
                    .setBatchId("b")
                    .setGroupKey("g")
                    .setModel("gemini-2.5-flash")
                    .setKind(io.genaibatch.records.RequestKind.GENERATE)
                    .setAttempt(1)
                    .setItemCount(1)
                    .setItemBytes(1L)
                    .setItemsPartition(0)
                    .setFirstItemOffset(0L)
                    .setLastItemOffset(1L)
                    .setInputMode(io.genaibatch.records.InputMode.FILE)
                    .setState(io.genaibatch.records.JobState.RUNNING)
                    .setCreatedAt(submitted)
                    .setSubmittedAt(submitted)
                    .setUpdatedAt(submitted.plusSeconds(600))
                    .build();

            counters.jobStarted(job, submitted.plusSeconds(600));

            assertThat(telemetry.scrape())
                    .contains(
                            "genai_job_queue_time_seconds_bucket{model=\"gemini-2.5-flash\",le=\"300.0\"} 0",
                            "genai_job_queue_time_seconds_bucket{model=\"gemini-2.5-flash\",le=\"900.0\"} 1",
                            "genai_job_queue_time_seconds_sum{model=\"gemini-2.5-flash\"} 600.0");
        }
    }

    @Test
    void jobsInFlightShowByModelModeAndStateAndReadZeroOnceNoneIsLeft() {
        try (Telemetry telemetry = Telemetry.prometheus()) {
            PollerCounters counters = new PollerCounters(telemetry, null);
            JobTable table =
                    new JobTable(new PollSchedule(java.time.Duration.ofSeconds(10), java.time.Duration.ofMinutes(5)));
            Instant now = Instant.parse("2026-01-01T00:00:00Z");
            io.genaibatch.batch.Lineage root = io.genaibatch.batch.Lineage.root("test");
            table.onRecord(
                    0,
                    1,
                    "a",
                    job("a", io.genaibatch.records.InputMode.INLINE, io.genaibatch.records.JobState.RUNNING),
                    root,
                    now);
            table.onRecord(
                    0,
                    2,
                    "b",
                    job("b", io.genaibatch.records.InputMode.INLINE, io.genaibatch.records.JobState.RUNNING),
                    root,
                    now);
            table.onRecord(
                    1,
                    3,
                    "c",
                    job("c", io.genaibatch.records.InputMode.FILE, io.genaibatch.records.JobState.PENDING),
                    root,
                    now);

            counters.jobsInFlight(table.inFlight());

            assertThat(telemetry.scrape())
                    .contains(
                            "genai_jobs_in_flight{mode=\"inline\",model=\"gemini-2.5-flash\",state=\"RUNNING\"} 2.0",
                            "genai_jobs_in_flight{mode=\"file\",model=\"gemini-2.5-flash\",state=\"PENDING\"} 1.0");

            table.dropPartition(1);
            counters.jobsInFlight(table.inFlight());

            assertThat(telemetry.scrape())
                    .contains(
                            "genai_jobs_in_flight{mode=\"inline\",model=\"gemini-2.5-flash\",state=\"RUNNING\"} 2.0",
                            "genai_jobs_in_flight{mode=\"file\",model=\"gemini-2.5-flash\",state=\"PENDING\"} 0.0");
        }
    }

    private static io.genaibatch.records.BatchJob job(
            String batchId, io.genaibatch.records.InputMode mode, io.genaibatch.records.JobState state) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return io.genaibatch.records.BatchJob.newBuilder()
                .setBatchId(batchId)
                .setGroupKey("g")
                .setModel("gemini-2.5-flash")
                .setKind(io.genaibatch.records.RequestKind.GENERATE)
                .setAttempt(1)
                .setItemCount(1)
                .setItemBytes(1L)
                .setItemsPartition(0)
                .setFirstItemOffset(0L)
                .setLastItemOffset(1L)
                .setInputMode(mode)
                .setJobName("batches/" + batchId)
                .setState(state)
                .setCreatedAt(t)
                .setSubmittedAt(t)
                .setUpdatedAt(t)
                .build();
    }
}
