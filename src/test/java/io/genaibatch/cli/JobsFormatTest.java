package io.genaibatch.cli;

import static io.genaibatch.cli.JobFixtures.T0;
import static io.genaibatch.cli.JobFixtures.batch;
import static io.genaibatch.cli.JobFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.batch.Lineage;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.records.Error;
import io.genaibatch.records.JobState;
import io.genaibatch.records.JobStats;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class JobsFormatTest {
    private static final String FLASH = "gemini-2.5-flash";

    @Test
    void shouldShowAgesInTwoUnitsAtMost() {
        assertThat(JobsView.age(Duration.ZERO)).isEqualTo("0s");
        assertThat(JobsView.age(Duration.ofSeconds(59))).isEqualTo("59s");
        assertThat(JobsView.age(Duration.ofSeconds(192))).isEqualTo("3m12s");
        assertThat(JobsView.age(Duration.ofMinutes(125))).isEqualTo("2h05m");
        assertThat(JobsView.age(Duration.ofHours(76))).isEqualTo("3d04h");
        // A clock behind the writer's must not print "-5s".
        assertThat(JobsView.age(Duration.ofSeconds(-5))).isEqualTo("0s");
        assertThat(JobsView.age(T0, T0.plusSeconds(3600))).isEqualTo("1h00m");
        assertThat(JobsView.age(null, T0)).isEqualTo("-");
    }

    @Test
    void shouldShowTheStateOfAJobThatIsStillRunningAsItIs() {
        assertThat(JobsView.state(batch(job("b-1", FLASH, JobState.RUNNING).build())))
                .isEqualTo("RUNNING");
        assertThat(JobsView.state(batch(job("b-1", FLASH, JobState.SUBMITTING).build())))
                .isEqualTo("SUBMITTING");
    }

    @Test
    void shouldShowASucceededAndPublishedJobAsPlainPublished() {
        assertThat(JobsView.state(batch(
                        job("b-1", FLASH, JobState.SUCCEEDED).build(),
                        job("b-1", FLASH, JobState.PUBLISHED).build())))
                .isEqualTo("PUBLISHED");
    }

    @Test
    void shouldShowWhatTheApiSaidAndWhatThePollerDecidedForADecidedParent() {
        Error expired = new Error("JOB_EXPIRED", "did not finish in 48 h", null);
        Lineage split = Lineage.root("b-1").decided(Lineage.SPLIT, Lineage.splitIds("b-1"));
        // Only the PUBLISHED record is left (compacted): the outcome comes from the kept error.
        Batch compacted = batch(
                split, job("b-1", FLASH, JobState.PUBLISHED).setError(expired).build());
        assertThat(JobsView.state(compacted)).isEqualTo("EXPIRED->SPLIT");
        assertThat(compacted.children()).containsExactly("b-1.s0", "b-1.s1");

        // The FAILED record is still there: it says what the API said, whatever the error code is.
        Error quota = new Error("RESOURCE_EXHAUSTED", "quota", 429);
        Lineage resubmitted = Lineage.root("b-2").decided(Lineage.RESUBMITTED, List.of("b-2.a2"));
        assertThat(JobsView.state(batch(
                        resubmitted,
                        job("b-2", FLASH, JobState.FAILED).setError(quota).build(),
                        job("b-2", FLASH, JobState.PUBLISHED).setError(quota).build())))
                .isEqualTo("FAILED->RESUBMITTED");

        Lineage rebatched = Lineage.root("b-3").decided(Lineage.REBATCHED, List.of("b-3.r2"));
        assertThat(JobsView.state(
                        batch(rebatched, job("b-3", FLASH, JobState.PUBLISHED).build())))
                .isEqualTo("SUCCEEDED->REBATCHED");
    }

    @Test
    void shouldShowAFailedJobWhoseRequestsWereAnsweredAsFailedThenPublished() {
        Error failed = new Error("JOB_FAILED", "no reason", null);
        assertThat(JobsView.state(batch(
                        job("b-1", FLASH, JobState.PUBLISHED).setError(failed).build())))
                .isEqualTo("FAILED->PUBLISHED");
        Error cancelled = new Error("JOB_CANCELLED", "by an operator", null);
        assertThat(JobsView.state(batch(job("b-1", FLASH, JobState.PUBLISHED)
                        .setError(cancelled)
                        .build())))
                .isEqualTo("CANCELLED->PUBLISHED");
        // FAILED but not published yet: the record's state, the poller has not decided anything.
        assertThat(JobsView.state(batch(
                        job("b-1", FLASH, JobState.FAILED).setError(failed).build())))
                .isEqualTo("FAILED");
    }

    @Test
    void shouldTakeAttemptAndParentFromTheLineageHeaderOfAChild() {
        Lineage child = Lineage.root("b-1").child("b-1", 2, "JOB_FAILED", null);
        Batch b = batch(child, job("b-1.a2", FLASH, JobState.RUNNING).build());
        assertThat(b.attempt()).isEqualTo(2);
        assertThat(b.parentBatchId()).isEqualTo("b-1");
        assertThat(b.rootBatchId()).isEqualTo("b-1");
        assertThat(b.isRoot()).isFalse();

        Batch root = batch(job("b-9", FLASH, JobState.RUNNING).setAttempt(1).build());
        assertThat(root.rootBatchId()).isEqualTo("b-9");
        assertThat(root.parentBatchId()).isNull();
        assertThat(root.isRoot()).isTrue();
    }

    @Test
    void shouldAcceptJobStateNamesInAnyCaseAndRefuseOthersListingTheValidOnes() {
        JobsFormat.StateConverter converter = new JobsFormat.StateConverter();
        assertThat(converter.convert("RUNNING")).isEqualTo(JobState.RUNNING);
        assertThat(converter.convert("published")).isEqualTo(JobState.PUBLISHED);
        assertThatThrownBy(() -> converter.convert("DONE"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("unknown state 'DONE'; states are SUBMITTING, PENDING, RUNNING, SUCCEEDED, FAILED, "
                        + "CANCELLED, EXPIRED, PUBLISHED");
    }

    @Test
    void shouldRefuseAnUnknownStateAsAUsageErrorBeforeTouchingKafka() {
        CliRunner.Result result =
                CliRunner.run("jobs", "list", "--state", "DONE", "--bootstrap-servers", "localhost:1");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("unknown state 'DONE'; states are SUBMITTING, PENDING, RUNNING");
    }

    @Test
    void shouldSelectOpenJobsByStateAndModelOldestFirst() {
        Batch published =
                batch(job("b-1", FLASH, JobState.PUBLISHED).setCreatedAt(T0).build());
        Batch running = batch(job("b-2", FLASH, JobState.RUNNING)
                .setCreatedAt(T0.plusSeconds(20))
                .build());
        Batch embed = batch(job("b-3", "gemini-embedding-001", JobState.RUNNING)
                .setCreatedAt(T0.plusSeconds(10))
                .build());
        Batch submitting = batch(job("b-4", FLASH, JobState.SUBMITTING)
                .setCreatedAt(T0.plusSeconds(5))
                .build());
        List<Batch> all = List.of(published, running, embed, submitting);

        JobsCommand.ListJobs list = new JobsCommand.ListJobs();
        assertThat(ids(list.select(all))).containsExactly("b-1", "b-4", "b-3", "b-2");
        list.open = true;
        assertThat(ids(list.select(all))).containsExactly("b-4", "b-3", "b-2");
        list.state = JobState.RUNNING;
        assertThat(ids(list.select(all))).containsExactly("b-3", "b-2");
        list.model = "models/gemini-2.5-flash";
        assertThat(ids(list.select(all))).containsExactly("b-2");
    }

    @Test
    void shouldAlignColumnsWithNumbersOnTheRight() {
        Table t = new Table().left("BATCH").right("REQUESTS").left("JOB");
        t.row("b-1", "5", "batches/a").row("b-1.s0-long", "1200", null);
        assertThat(t.lines())
                .containsExactly(
                        "BATCH        REQUESTS  JOB", "b-1                 5  batches/a", "b-1.s0-long      1200  -");
    }

    @Test
    void shouldPutOneRowPerJobWithStatsAgeAndJobName() {
        Table t = JobsFormat.listTable();
        JobsFormat.addRow(
                t,
                batch(job("b-1", FLASH, JobState.RUNNING)
                        .setStats(new JobStats(10L, 7L, 1L, 2L))
                        .build()),
                T0.plusSeconds(192));
        assertThat(t.lines().get(0).split(" +"))
                .containsExactly(
                        "BATCH",
                        "MODEL",
                        "KIND",
                        "MODE",
                        "ATTEMPT",
                        "PARENT",
                        "STATE",
                        "REQUESTS",
                        "OK",
                        "FAILED",
                        "AGE",
                        "JOB");
        assertThat(t.lines().get(1).split(" +"))
                .containsExactly(
                        "b-1",
                        FLASH,
                        "GENERATE",
                        "inline",
                        "1",
                        "-",
                        "RUNNING",
                        "10",
                        "7",
                        "1",
                        "3m12s",
                        "batches/b-1");
    }

    @Test
    void shouldWriteEveryFieldAScriptNeedsAsJson() {
        Lineage child = Lineage.root("b-1").child("b-1", 2, "JOB_EXPIRED", null);
        ObjectNode o = JobsView.json(
                new ObjectMapper(),
                batch(
                        child,
                        job("b-1.s0", FLASH, JobState.RUNNING)
                                .setStats(new JobStats(10L, 0L, 0L, 10L))
                                .build()));
        assertThat(o.get("batchId").asText()).isEqualTo("b-1.s0");
        assertThat(o.get("state").asText()).isEqualTo("RUNNING");
        assertThat(o.get("jobName").asText()).isEqualTo("batches/b-1-s0");
        assertThat(o.get("requests").asInt()).isEqualTo(10);
        assertThat(o.get("attempt").asInt()).isEqualTo(2);
        assertThat(o.get("parentBatchId").asText()).isEqualTo("b-1");
        assertThat(o.get("rootBatchId").asText()).isEqualTo("b-1");
        assertThat(o.get("reason").asText()).isEqualTo("JOB_EXPIRED");
        assertThat(o.get("decision").isNull()).isTrue();
        assertThat(o.get("children")).isEmpty();
        assertThat(o.get("error").isNull()).isTrue();
        assertThat(o.at("/stats/pendingCount").asLong()).isEqualTo(10);
        assertThat(o.get("createdAt").asText()).isEqualTo("2026-11-25T10:00:00Z");
        assertThat(o.get("inputMode").asText()).isEqualTo("INLINE");
    }

    @Test
    void shouldRefuseToCancelAJobNotCreatedYetOrAlreadyFinished() {
        assertThat(JobsCommand.Cancel.refusal(
                        batch(job("b-1", FLASH, JobState.RUNNING).build())))
                .isNull();
        assertThat(JobsCommand.Cancel.refusal(
                        batch(job("b-1", FLASH, JobState.PENDING).build())))
                .isNull();
        assertThat(JobsCommand.Cancel.refusal(
                        batch(job("b-1", FLASH, JobState.SUBMITTING).build())))
                .contains("not created at the API yet")
                .contains("try again in a moment");
        assertThat(JobsCommand.Cancel.refusal(
                        batch(job("b-1", FLASH, JobState.SUCCEEDED).build())))
                .contains("already finished (SUCCEEDED)");
        Lineage split = Lineage.root("b-1").decided(Lineage.SPLIT, Lineage.splitIds("b-1"));
        assertThat(JobsCommand.Cancel.refusal(batch(
                        split,
                        job("b-1", FLASH, JobState.PUBLISHED)
                                .setError(new Error("JOB_EXPIRED", "late", null))
                                .build())))
                .contains("already finished (EXPIRED->SPLIT)")
                .contains("now with b-1.s0, b-1.s1");
    }

    private static List<String> ids(List<Batch> batches) {
        return batches.stream().map(Batch::batchId).toList();
    }
}
