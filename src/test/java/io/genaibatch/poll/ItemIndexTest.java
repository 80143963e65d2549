package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.records.BatchItem;
import io.genaibatch.records.Header;
import io.genaibatch.records.RequestKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ItemIndexTest {

    /** An item read at offset N of genai.requests partition 0, N being the digits of {@code requestId} ("r-N"). */
    static BatchItem item(String requestId, String key) {
        return item(requestId, key, Long.parseLong(requestId.replaceAll("\\D", "")));
    }

    static BatchItem item(String requestId, String key, long sourceOffset) {
        return BatchItem.newBuilder()
                .setRequestId(requestId)
                .setKey(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))
                .setHeaders(List.of(new Header("h", ByteBuffer.wrap(new byte[] {1, 2})), new Header("n", null)))
                .setMetadata(Map.of("team", "a"))
                .setModel("gemini-2.5-flash")
                .setKind(RequestKind.GENERATE)
                .setRequest("{\"contents\":[{\"parts\":[{\"text\":\"a long prompt we do not need to keep\"}]}]}")
                .setRequestBytes(100)
                .setSourceTopic("genai.requests")
                .setSourcePartition(0)
                .setSourceOffset(sourceOffset)
                .setReceivedAt(Instant.parse("2026-11-25T10:00:00Z"))
                .build();
    }

    @Test
    void shouldIterateItemsInLineKeyOrderWithTheirResultsAndSkipWhatIsPublished(@TempDir Path dir) {
        try (ItemIndex index = ItemIndex.open(dir.resolve("idx"))) {
            assertThat(index.itemsComplete()).isFalse();
            for (String id : List.of("r-3", "r-1", "r-2", "r-0")) {
                index.putItem(item(id, "key-" + id), false);
            }
            assertThat(index.completeItems(false)).isEqualTo(4);

            index.addResult(lineKey("r-1"), 100, 10);
            index.addResult(lineKey("r-2"), 200, 20);
            index.addResult(lineKey("r-2"), 300, 30);
            index.addResult(lineKey("r-2"), 400, 40);
            index.addResult("nobody", 500, 50);
            List<ItemIndex.Unattached> unattached = new ArrayList<>();
            assertThat(index.completeResults(6, unattached::add))
                    .as("a sixth line had no key")
                    .isEqualTo(new ItemIndex.ResultCounts(6, 1, 5));
            assertThat(unattached)
                    .containsExactlyInAnyOrder(
                            new ItemIndex.Unattached(200, lineKey("r-2"), ItemIndex.Unattached.Why.DUPLICATED),
                            new ItemIndex.Unattached(300, lineKey("r-2"), ItemIndex.Unattached.Why.DUPLICATED),
                            new ItemIndex.Unattached(400, lineKey("r-2"), ItemIndex.Unattached.Why.DUPLICATED),
                            new ItemIndex.Unattached(500, "nobody", ItemIndex.Unattached.Why.UNKNOWN_KEY));
            assertThat(index.resultCounts()).contains(new ItemIndex.ResultCounts(6, 1, 5));

            List<ItemIndex.Entry> all = new ArrayList<>();
            try (ItemIndex.Cursor c = index.entries(0)) {
                c.forEachRemaining(all::add);
            }
            assertThat(all).extracting(e -> e.item().getRequestId()).containsExactly("r-0", "r-1", "r-2", "r-3");
            assertThat(all.get(0).result()).isEmpty();
            assertThat(all.get(0).duplicated()).isFalse();
            assertThat(all.get(1).result()).contains(new ItemIndex.ResultPointer(100, 10));
            assertThat(all.get(2).result()).isEmpty();
            assertThat(all.get(2).duplicated()).isTrue();
            BatchItem back = all.get(3).item();
            assertThat(PollFixture.utf8(back.getKey())).isEqualTo("key-r-3");
            assertThat(back.getHeaders()).hasSize(2);
            assertThat(back.getHeaders().get(1).getValue()).isNull();
            assertThat(back.getMetadata()).containsEntry("team", "a");
            assertThat(back.getRequest()).as("the request JSON is not kept").isEmpty();

            try (ItemIndex.Cursor c = index.entries(2)) {
                assertThat(c.next().item().getRequestId()).isEqualTo("r-2");
            }
            try (ItemIndex.Cursor c = index.entries(9)) {
                assertThat(c.hasNext()).isFalse();
            }
        }
    }

    @Test
    void shouldResumeAfterALineKeyWhetherOrNotItsItemIsStillThere(@TempDir Path dir) {
        try (ItemIndex index = ItemIndex.open(dir.resolve("idx"))) {
            for (String id : List.of("r-0", "r-2", "r-4", "r-6")) {
                index.putItem(item(id, "key-" + id), false);
            }
            index.completeItems(false);

            assertThat(after(index, lineKey("r-2")))
                    .as("after a key in the index")
                    .containsExactly("r-4", "r-6");
            assertThat(after(index, lineKey("r-3")))
                    .as("after the key of an item gone since")
                    .containsExactly("r-4", "r-6");
            assertThat(after(index, lineKey("r-6"))).isEmpty();
            assertThat(index.countThrough(lineKey("r-3"))).isEqualTo(2);
            assertThat(index.countThrough(lineKey("r-4"))).isEqualTo(3);
        }
    }

    private static List<String> after(ItemIndex index, String lineKey) {
        List<String> ids = new ArrayList<>();
        try (ItemIndex.Cursor c = index.entriesAfter(lineKey)) {
            c.forEachRemaining(e -> ids.add(e.item().getRequestId()));
        }
        return ids;
    }

    @Test
    void shouldKeepTwoItemsWithTheSameCallerRequestIdApartByTheirLineKeys(@TempDir Path dir) {
        BatchItem first = item("same-id", "key-a", 7);
        BatchItem second = item("same-id", "key-b", 8);
        try (ItemIndex index = ItemIndex.open(dir.resolve("idx"))) {
            index.putItem(first, false);
            index.putItem(second, false);
            assertThat(index.completeItems(false))
                    .as("neither item replaces the other")
                    .isEqualTo(2);
            index.addResult(io.genaibatch.batch.LineKey.of(first), 0, 10);
            index.addResult(io.genaibatch.batch.LineKey.of(second), 10, 10);
            assertThat(index.completeResults(2, u -> {})).isEqualTo(new ItemIndex.ResultCounts(2, 2, 0));
            List<ItemIndex.Entry> all = new ArrayList<>();
            try (ItemIndex.Cursor c = index.entries(0)) {
                c.forEachRemaining(all::add);
            }
            assertThat(all).extracting(e -> PollFixture.utf8(e.item().getKey())).containsExactly("key-a", "key-b");
            assertThat(all)
                    .extracting(ItemIndex.Entry::result)
                    .containsExactly(
                            java.util.Optional.of(new ItemIndex.ResultPointer(0, 10)),
                            java.util.Optional.of(new ItemIndex.ResultPointer(10, 10)));
        }
    }

    private static String lineKey(String requestId) {
        return io.genaibatch.batch.LineKey.of(item(requestId, "k"));
    }

    @Test
    void shouldKeepCompletenessAcrossReopenAndStartOverWhenCleared(@TempDir Path dir) {
        Path path = dir.resolve("idx");
        try (ItemIndex index = ItemIndex.open(path)) {
            index.putItem(item("r-1", "k"), false);
            index.completeItems(false);
            index.addResult(lineKey("r-1"), 0, 5);
            index.completeResults(1, u -> {});
        }
        try (ItemIndex index = ItemIndex.open(path)) {
            assertThat(index.itemsComplete()).isTrue();
            assertThat(index.itemCount()).isEqualTo(1);
            assertThat(index.resultCounts()).contains(new ItemIndex.ResultCounts(1, 1, 0));
            index.clearResults();
            assertThat(index.resultsComplete()).isFalse();
            assertThat(index.item(lineKey("r-1"))).isPresent();
            index.clear();
            assertThat(index.itemsComplete()).isFalse();
            assertThat(index.item(lineKey("r-1"))).isEmpty();
        }
    }

    @Test
    void shouldLeaveAnIncompleteIndexWhenItemsWereNotCompleted(@TempDir Path dir) {
        Path path = dir.resolve("idx");
        try (ItemIndex index = ItemIndex.open(path)) {
            index.putItem(item("r-1", "k"), false);
        }
        try (ItemIndex index = ItemIndex.open(path)) {
            assertThat(index.itemsComplete())
                    .as("no mark, so the loader starts over")
                    .isFalse();
        }
    }

    @Test
    void shouldAnswerAnItemOnlyWithTheResultsOfExactlyItsKey(@TempDir Path dir) {
        try (ItemIndex index = ItemIndex.open(dir.resolve("idx"))) {
            for (String id : List.of("r-1", "r-12", "r-5")) {
                index.putItem(item(id, "key-" + id), false);
            }
            index.completeItems(false);
            index.addResult(lineKey("r-12"), 10, 1);
            index.addResult(lineKey("r-1") + "\u0000x", 20, 2);
            index.addResult(lineKey("r-1"), 30, 3);
            index.addResult(lineKey("r-10"), 40, 4);
            index.addResult(lineKey("r-0"), 50, 5);
            index.addResult("zzz", 60, 6);
            index.addResult(lineKey("r-5"), 70, 7);
            index.addResult(lineKey("r-1") + "\u0000", 80, 8);
            List<ItemIndex.Unattached> unattached = new ArrayList<>();
            assertThat(index.completeResults(8, unattached::add)).isEqualTo(new ItemIndex.ResultCounts(8, 3, 5));
            assertThat(unattached)
                    .extracting(ItemIndex.Unattached::offset)
                    .containsExactlyInAnyOrder(20L, 40L, 50L, 60L, 80L);
            assertThat(unattached)
                    .extracting(ItemIndex.Unattached::why)
                    .containsOnly(ItemIndex.Unattached.Why.UNKNOWN_KEY);

            List<ItemIndex.Entry> all = new ArrayList<>();
            try (ItemIndex.Cursor c = index.entries(0)) {
                c.forEachRemaining(all::add);
            }
            assertThat(all).extracting(e -> e.item().getRequestId()).containsExactly("r-1", "r-12", "r-5");
            assertThat(all)
                    .extracting(ItemIndex.Entry::result)
                    .containsExactly(
                            java.util.Optional.of(new ItemIndex.ResultPointer(30, 3)),
                            java.util.Optional.of(new ItemIndex.ResultPointer(10, 1)),
                            java.util.Optional.of(new ItemIndex.ResultPointer(70, 7)));
            try (ItemIndex.Cursor c = index.entriesAfter(lineKey("r-1"))) {
                assertThat(c.next().result()).as("a resumed walk").contains(new ItemIndex.ResultPointer(10, 1));
            }
        }
    }

    @Test
    void shouldIndexTheResultsAgainWhenTheyWereCompletedInTheEarlierLayout(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("idx");
        try (ItemIndex index = ItemIndex.open(path)) {
            index.putItem(item("r-1", "k"), false);
            index.completeItems(false);
        }
        // As an earlier version left it: r<line key> -> offset and length, and the mark under its earlier name.
        try (org.rocksdb.Options options = new org.rocksdb.Options();
                org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(options, path.toString())) {
            db.put(
                    ("r" + lineKey("r-1")).getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(12).putLong(0).putInt(5).array());
            db.put(
                    "mresults-complete".getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(24).putLong(1).putLong(1).putLong(0).array());
        }
        try (ItemIndex index = ItemIndex.open(path)) {
            assertThat(index.resultsComplete()).as("indexed again").isFalse();
            index.clearResults();
            index.addResult(lineKey("r-1"), 7, 9);
            assertThat(index.completeResults(1, u -> {})).isEqualTo(new ItemIndex.ResultCounts(1, 1, 0));
            try (ItemIndex.Cursor c = index.entries(0)) {
                assertThat(c.next().result()).contains(new ItemIndex.ResultPointer(7, 9));
            }
        }
    }
}
