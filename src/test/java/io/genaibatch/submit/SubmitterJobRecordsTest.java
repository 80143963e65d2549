package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.batch.Lineage;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The genai.jobs values of a child batch: its attempt and parent come from its lineage. */
class SubmitterJobRecordsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void shouldGiveARangeChildsIntentItsAttemptParentRangeStartAndSealOffset() {
        Lineage lineage =
                Lineage.root("root").child("root", 2, "JOB_EXPIRED", new Lineage.ItemsRange("root", 1, 105, 180));
        SealedBatch child = new SealedBatch(
                "root.s1",
                "g",
                "gemini-2.5-flash",
                RequestKind.GENERATE,
                38,
                4_000,
                1,
                105,
                950,
                Path.of("root.s1.jsonl"),
                NOW,
                lineage);

        BatchJob intent = SubmitterJobRecords.intent(child, InputMode.FILE, "files/abc", null, NOW);

        assertThat(intent.getBatchId()).isEqualTo("root.s1");
        assertThat(intent.getState()).isEqualTo(JobState.SUBMITTING);
        assertThat(intent.getAttempt()).isEqualTo(2);
        assertThat(intent.getParentBatchId()).isEqualTo("root");
        assertThat(intent.getItemsPartition()).isEqualTo(1);
        assertThat(intent.getFirstItemOffset()).isEqualTo(105);
        assertThat(intent.getLastItemOffset())
                .as("the child's seal, not the end of the range")
                .isEqualTo(950);
        assertThat(intent.getItemCount()).isEqualTo(38);
        assertThat(intent.getItemBytes()).isEqualTo(4_000);
    }

    @Test
    void shouldKeepAttemptOneAndNoParentForABatchTheAccumulatorMade() {
        SealedBatch root = new SealedBatch(
                "root", "g", "gemini-2.5-flash", RequestKind.GENERATE, 3, 300, 0, 5, 9, Path.of("root.jsonl"), NOW);

        BatchJob intent = SubmitterJobRecords.intent(root, InputMode.INLINE, null, null, NOW);

        assertThat(intent.getAttempt()).isEqualTo(1);
        assertThat(intent.getParentBatchId()).isNull();
        assertThat(root.rereadFrom()).isEqualTo(5);
    }

    @Test
    void shouldGiveACopiedItemsChildsFailedRecordItsAttemptAndParent() {
        SealedBatch child = new SealedBatch(
                "root.r3",
                "g",
                "gemini-2.5-flash",
                RequestKind.GENERATE,
                2,
                200,
                0,
                40,
                43,
                Path.of("root.r3.jsonl"),
                NOW,
                Lineage.root("root").child("root", 3, "RETRIABLE_ERRORS", null));

        BatchJob failed =
                SubmitterJobRecords.failed(child, null, InputMode.FILE, ErrorCode.SEAL_MISMATCH, "m", null, NOW);

        assertThat(failed.getAttempt()).isEqualTo(3);
        assertThat(failed.getParentBatchId()).isEqualTo("root");
        assertThat(failed.getFirstItemOffset()).isEqualTo(40);
        assertThat(child.rereadFrom()).as("own items: re-read from the first").isEqualTo(40);
    }
}
