package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.Lineage;
import io.genaibatch.records.RequestKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offsets rule: never commit past the first item of a batch that has no job record yet. */
class PartitionBatchesTest {
    @TempDir
    Path dir;

    @Test
    void shouldCommitOnlyBelowTheOldestBatchNotYetRecordedWhenBatchesInterleave() {
        Spool spool = new Spool(dir, "g", "batches");
        PartitionBatches pb = new PartitionBatches(new TopicPartition("batches", 0), -1);
        assertThat(pb.committable(Set.of())).as("nothing read yet").isEqualTo(-1);

        // A: items at 0 and 2; B: items at 1 and 3, sealed at 4; A sealed at 5; C opens at 6.
        pb.addOpen("A", new PartitionBatches.Open(0, spool.create(0, "A")));
        pb.addOpen("B", new PartitionBatches.Open(1, spool.create(0, "B")));
        for (long o = 0; o <= 3; o++) {
            pb.consumed(o);
        }
        pb.removeOpen("B").writer.close();
        pb.addInFlight(sealed("B", 1, 4), null);
        pb.consumed(4);
        assertThat(pb.committable(Set.of())).isZero();

        pb.removeOpen("A").writer.close();
        pb.addInFlight(sealed("A", 0, 5), null);
        pb.consumed(5);
        pb.addOpen("C", new PartitionBatches.Open(6, spool.create(0, "C")));
        pb.consumed(6);

        assertThat(pb.committable(Set.of("B")))
                .as("B recorded, A still in flight")
                .isZero();
        pb.removeInFlight("B");
        assertThat(pb.committable(Set.of("A"))).as("A recorded, C open from 6").isEqualTo(6);
        pb.removeInFlight("A");
        pb.removeOpen("C").writer.close();
        assertThat(pb.committable(Set.of()))
                .as("nothing pending: the next record")
                .isEqualTo(7);
        pb.closeOpen();
    }

    @Test
    void shouldCommitTheSameOffsetAgainWithAnIntentSoThatAnEvictedInstanceCannotCommitIt() {
        Spool spool = new Spool(dir, "g", "batches");
        PartitionBatches pb = new PartitionBatches(new TopicPartition("batches", 0), 12);
        pb.addOpen("E", new PartitionBatches.Open(12, spool.create(0, "E")));
        for (long o = 12; o <= 15; o++) {
            pb.consumed(o);
        }
        pb.removeOpen("E").writer.close();
        pb.addInFlight(sealed("E", 12, 15), null);

        assertThat(pb.toCommit(Set.of(), false))
                .as("no progress, nothing to fence")
                .isEqualTo(-1);
        assertThat(pb.toCommit(Set.of(), true))
                .as("the intent of E: the committed offset again")
                .isEqualTo(12);
        assertThat(pb.toCommit(Set.of("E"), true))
                .as("E recorded: the progress")
                .isEqualTo(16);
        pb.closeOpen();
    }

    @Test
    void shouldHoldTheCommittedOffsetAtTheSealOfARangeChildNotAtTheStartOfItsRange() {
        Spool spool = new Spool(dir, "g", "batches");
        // Committed at 50 when assigned; the child's range (its parent's items) lies far below, at 10..19.
        PartitionBatches pb = new PartitionBatches(new TopicPartition("batches", 0), 50);
        Lineage child = Lineage.root("P").child("P", 2, "JOB_EXPIRED", new Lineage.ItemsRange("P", 0, 10, 19));
        pb.addOpen("D", new PartitionBatches.Open(52, spool.create(0, "D")));
        for (long o = 50; o <= 59; o++) {
            pb.consumed(o);
        }
        pb.addInFlight(
                new SealedBatch(
                        "P.a2",
                        "g",
                        "m",
                        RequestKind.GENERATE,
                        10,
                        1000,
                        0,
                        10,
                        60,
                        dir.resolve("c"),
                        Instant.now(),
                        child),
                null);
        pb.consumed(60);
        pb.removeOpen("D").writer.close();
        pb.consumed(61);

        assertThat(pb.committable(Set.of()))
                .as("held at the child's seal, never below what is committed")
                .isEqualTo(60)
                .isGreaterThanOrEqualTo(pb.committed());
        assertThat(pb.committable(Set.of("P.a2")))
                .as("child recorded: the next record")
                .isEqualTo(62);
        pb.closeOpen();
    }

    private SealedBatch sealed(String id, long first, long seal) {
        return new SealedBatch(
                id, "g", "m", RequestKind.GENERATE, 2, 100, 0, first, seal, dir.resolve(id), Instant.now());
    }
}
