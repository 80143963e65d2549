package io.genaibatch.poll;

import io.genaibatch.batch.LineKey;
import io.genaibatch.records.BatchItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Consumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The disk index of one batch: its items by line key ({@link io.genaibatch.batch.LineKey}, the key of the request's
 * line in the job's input and of its result), and where each item's result sits in the local results
 * file. It is what lets the poller map a result key back to the request's Kafka key, headers and metadata with a
 * heap that does not grow with the batch: RocksDB keeps the entries on disk, with a fixed native budget (two 4 MiB
 * memtables and an 8 MiB block cache) whatever the batch size, and the poller holds one entry at a time.
 *
 * <p>A cache: rebuilt from genai.batches (items) and from the job's output (results) when missing or incomplete.
 * Writes skip RocksDB's write-ahead log; completeness is instead marked by a key written after a flush, so a crash
 * leaves an index without its mark, which is then rebuilt.
 *
 * <p>Key layout (one byte of prefix, then the line key in UTF-8; RocksDB sorts bytewise, so items iterate in
 * line key order, the same order on every rebuild):
 * <ul>
 *   <li>{@code i<line key>} → the BatchItem, without its request JSON unless a policy that re-batches needs it;
 *   <li>{@code r<line key>\0<offset>} → length (4 bytes) of the result line at that byte offset (8 bytes, big-endian),
 *       one entry per result line with a key, whatever the key;
 *   <li>{@code m<name>} → marks and counts.
 * </ul>
 * A result line is written without reading anything ({@link #addResult}): which item it answers is settled by
 * walking the results beside the items, both in line key order, once when the results are completed (to count
 * them) and again while publishing. An item with one entry has its result, with two or more a duplicated one, with
 * none a missing one; an entry whose key is no item's answers nothing. Before, attaching a result read the item and
 * the result so far and wrote the result back, one RocksDB round trip each per line: most of the time between a job
 * ending and its first response being published.
 *
 * <p>Not thread-safe: used by the poller thread alone.
 */
final class ItemIndex implements AutoCloseable {
    private static final byte ITEM = 'i';
    private static final byte RESULT = 'r';
    private static final byte[] ITEMS_COMPLETE = meta("items-complete");
    /** Named anew with the layout of the results: an index with results attached the earlier way indexes them again. */
    private static final byte[] RESULTS_COMPLETE = meta("results-complete.2");

    private static final byte[] EARLIER_RESULTS_COMPLETE = meta("results-complete");
    private static final byte[] WITH_REQUESTS = meta("with-requests");
    /** Between the line key and the offset in a result's key: in no line key (topic names do not have it). */
    private static final byte KEY_END = 0;

    private static final int WRITE_BATCH_SIZE = 1000;

    private final Path dir;
    private final LRUCache cache;
    private final Options options;
    private final WriteOptions writeOptions;
    private final FlushOptions flushOptions;
    private final RocksDB db;
    private WriteBatch pending;
    private int pendingCount;

    /** Where a result line sits in the results file. */
    record ResultPointer(long offset, int length) {}

    /** A result line that answers no request, found when the results are completed. */
    record Unattached(long offset, String key, Why why) {
        enum Why {
            /** No item of the batch has this key. */
            UNKNOWN_KEY,
            /** Another result carries the same key: neither answers its request. */
            DUPLICATED
        }
    }

    /**
     * How the results of a job mapped onto its items, counted while indexing them.
     *
     * @param results    result lines read
     * @param attached   results attached to a request (keys seen exactly once)
     * @param unattached results attached to none: no key, unknown key, unreadable, or one of a duplicated key
     */
    record ResultCounts(long results, long attached, long unattached) {}

    /** One item in line key order, with its result (if exactly one result carried its key). */
    record Entry(BatchItem item, Optional<ResultPointer> result, boolean duplicated) {}

    static {
        RocksDB.loadLibrary();
    }

    private ItemIndex(Path dir, LRUCache cache, Options options, RocksDB db) {
        this.dir = dir;
        this.cache = cache;
        this.options = options;
        this.db = db;
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        this.flushOptions = new FlushOptions().setWaitForFlush(true);
    }

    /** Opens (creating when missing) the index in {@code dir}. Close it. */
    static ItemIndex open(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the index directory " + dir, e);
        }
        LRUCache cache = new LRUCache(8L << 20);
        Options options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(4L << 20)
                .setMaxWriteBufferNumber(2)
                .setMaxOpenFiles(64)
                .setKeepLogFileNum(1)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setTableFormatConfig(
                        new BlockBasedTableConfig().setBlockCache(cache).setBlockSize(16 << 10));
        try {
            return new ItemIndex(dir, cache, options, RocksDB.open(options, dir.toString()));
        } catch (RocksDBException e) {
            options.close();
            cache.close();
            throw new IllegalStateException(
                    "cannot open the key index in " + dir + ": " + e.getMessage()
                            + " (it is a cache: delete the directory and it is rebuilt)",
                    e);
        }
    }

    Path dir() {
        return dir;
    }

    // ----- items -----

    /** Whether every item of the batch is in; otherwise the caller clears and reloads them. */
    boolean itemsComplete() {
        return get(ITEMS_COMPLETE) != null;
    }

    /** The number of items recorded by {@link #completeItems(boolean)}, or -1 when incomplete. */
    long itemCount() {
        byte[] v = get(ITEMS_COMPLETE);
        return v == null ? -1 : ByteBuffer.wrap(v).getLong();
    }

    /** Drops every item and result, to load again from the start. */
    void clear() {
        discardPending();
        deleteRange(new byte[] {0}, new byte[] {(byte) 0xFF});
    }

    /**
     * Adds an item (line keys are unique in a batch: the last one wins for a repeated key); visible after
     * {@link #completeItems(boolean)}. The request JSON is kept only when asked: a response does not need it, a copy
     * into a re-batch child does.
     */
    void putItem(BatchItem item, boolean withRequest) {
        BatchItem slim =
                withRequest ? item : BatchItem.newBuilder(item).setRequest("").build();
        try {
            if (pending == null) {
                pending = new WriteBatch();
            }
            pending.put(key(ITEM, LineKey.of(item)), bytes(slim.toByteBuffer()));
            if (++pendingCount >= WRITE_BATCH_SIZE) {
                writePending();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode item " + LineKey.of(item), e);
        } catch (RocksDBException e) {
            throw failure("write items", e);
        }
    }

    /** Whether the items were indexed with their request JSON. */
    boolean keepsRequests() {
        return get(WITH_REQUESTS) != null;
    }

    /** Marks the items complete, after making them durable; returns their number. */
    long completeItems(boolean withRequests) {
        try {
            writePending();
            long n = 0;
            try (RocksIterator it = db.newIterator()) {
                for (it.seek(new byte[] {ITEM}); it.isValid() && it.key()[0] == ITEM; it.next()) {
                    n++;
                }
            }
            db.flush(flushOptions);
            if (withRequests) {
                db.put(writeOptions, WITH_REQUESTS, new byte[0]);
            }
            db.put(
                    writeOptions,
                    ITEMS_COMPLETE,
                    ByteBuffer.allocate(8).putLong(n).array());
            db.flush(flushOptions);
            return n;
        } catch (RocksDBException e) {
            throw failure("complete items", e);
        }
    }

    /**
     * Rewrites the index into sorted, non-overlapping files. Items arrive in offset order, not in line key order, so
     * every file flushed while loading them spans the whole key range; left so (closing the index stops the
     * compaction under way), each later lookup and the walk in key order visit all of them: attaching the 1 GB
     * batch's results took five times as long on an index loaded in an earlier round. Worth it when there is time
     * to spare, i.e. while the job still runs.
     */
    void compact() {
        try {
            db.compactRange();
        } catch (RocksDBException e) {
            throw failure("compact", e);
        }
    }

    Optional<BatchItem> item(String lineKey) {
        byte[] v = get(key(ITEM, lineKey));
        return v == null ? Optional.empty() : Optional.of(decode(v));
    }

    // ----- results -----

    boolean resultsComplete() {
        return get(RESULTS_COMPLETE) != null;
    }

    /** Drops every attached result (a results file being indexed again starts from nothing). */
    void clearResults() {
        discardPending();
        deleteRange(new byte[] {RESULT}, new byte[] {RESULT + 1});
        delete(RESULTS_COMPLETE);
        delete(EARLIER_RESULTS_COMPLETE);
    }

    /**
     * Records the result line at {@code offset} under its key, without reading anything (write-batched like the
     * items); visible after {@link #completeResults}.
     */
    void addResult(String lineKey, long offset, int length) {
        byte[] id = lineKey.getBytes(StandardCharsets.UTF_8);
        byte[] k = ByteBuffer.allocate(id.length + 10)
                .put(RESULT)
                .put(id)
                .put(KEY_END)
                .putLong(offset)
                .array();
        try {
            if (pending == null) {
                pending = new WriteBatch();
            }
            pending.put(k, ByteBuffer.allocate(4).putInt(length).array());
            if (++pendingCount >= WRITE_BATCH_SIZE) {
                writePending();
            }
        } catch (RocksDBException e) {
            throw failure("write results", e);
        }
    }

    /**
     * Makes the results added durable, settles which item each answers (one walk over the items and the results in
     * line key order), records the counts with the completeness mark and returns them.
     *
     * @param results    every result line read, with a key or not
     * @param unattached told of each result with a key that answers no request, in line key order
     */
    ResultCounts completeResults(long results, Consumer<Unattached> unattached) {
        try {
            writePending();
            long attached = 0;
            try (RocksIterator items = db.newIterator();
                    ResultWalk walk = new ResultWalk(unattached, true)) {
                for (items.seek(new byte[] {ITEM}); items.isValid() && items.key()[0] == ITEM; items.next()) {
                    if (walk.resultsOf(items.key()).count() == 1) {
                        attached++;
                    }
                }
                walk.rest();
            }
            ResultCounts counts = new ResultCounts(results, attached, results - attached);
            db.flush(flushOptions);
            db.put(
                    writeOptions,
                    RESULTS_COMPLETE,
                    ByteBuffer.allocate(24)
                            .putLong(counts.results())
                            .putLong(counts.attached())
                            .putLong(counts.unattached())
                            .array());
            db.flush(flushOptions);
            return counts;
        } catch (RocksDBException e) {
            throw failure("complete results", e);
        }
    }

    /** The counts recorded by {@link #completeResults}, when complete. */
    Optional<ResultCounts> resultCounts() {
        byte[] v = get(RESULTS_COMPLETE);
        if (v == null) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        return Optional.of(new ResultCounts(b.getLong(), b.getLong(), b.getLong()));
    }

    // ----- iteration -----

    /**
     * Items in line key order, after skipping the first {@code skip}: how a publication recorded before its progress
     * carried a line key resumes. Close the cursor.
     */
    Cursor entries(long skip) {
        Cursor c = new Cursor(db.newIterator(), new byte[] {ITEM});
        for (long i = 0; i < skip && c.hasNext(); i++) {
            c.it.next();
        }
        return c;
    }

    /**
     * Items in line key order whose key comes after {@code lineKey} (which need not be in the index: its item may
     * have vanished from genai.batches since it was published). Close the cursor.
     */
    Cursor entriesAfter(String lineKey) {
        byte[] from = key(ITEM, lineKey);
        Cursor c = new Cursor(db.newIterator(), from);
        if (c.hasNext() && Arrays.equals(c.it.key(), from)) {
            c.it.next();
        }
        return c;
    }

    /** How many items have a line key up to {@code lineKey}, included. */
    long countThrough(String lineKey) {
        byte[] to = key(ITEM, lineKey);
        long n = 0;
        try (Cursor c = new Cursor(db.newIterator(), new byte[] {ITEM})) {
            for (; c.hasNext() && Arrays.compareUnsigned(c.it.key(), to) <= 0; c.it.next()) {
                n++;
            }
        }
        return n;
    }

    /** Walks the items in line key order; holds one native iterator. */
    final class Cursor implements Iterator<Entry>, AutoCloseable {
        private final RocksIterator it;
        private final ResultWalk results = new ResultWalk(u -> {}, false);

        private Cursor(RocksIterator it, byte[] from) {
            this.it = it;
            it.seek(from);
        }

        @Override
        public boolean hasNext() {
            return it.isValid() && it.key()[0] == ITEM;
        }

        @Override
        public Entry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            BatchItem item = decode(it.value());
            Results r = results.resultsOf(it.key());
            it.next();
            return new Entry(item, r.count() == 1 ? Optional.of(r.first()) : Optional.empty(), r.count() > 1);
        }

        @Override
        public void close() {
            results.close();
            it.close();
        }
    }

    /** The results carrying one item's key: how many, and where the first one is (null when none). */
    private record Results(int count, ResultPointer first) {}

    /**
     * Walks the results beside items taken in line key order: the entries of an item's key sit together, where
     * {@code r<line key>\0} begins, and the entries in between are results of no item. Opened where the first item
     * asked for is, so a resumed publication does not walk the results of what it published before.
     */
    private final class ResultWalk implements AutoCloseable {
        private final Consumer<Unattached> unattached;
        private final boolean fromTheFirstResult;
        private RocksIterator it;
        /** The key the iterator is at, read once per step (each read is a copy across JNI); null past the results. */
        private byte[] current;

        /**
         * @param fromTheFirstResult whether to begin at the first result (to see every one that answers nothing)
         *                           rather than at the first item asked for
         */
        ResultWalk(Consumer<Unattached> unattached, boolean fromTheFirstResult) {
            this.unattached = unattached;
            this.fromTheFirstResult = fromTheFirstResult;
        }

        /** The results of the item with this index key ({@code i<line key>}); items must come in key order. */
        Results resultsOf(byte[] itemKey) {
            byte[] from = new byte[itemKey.length + 1];
            System.arraycopy(itemKey, 1, from, 1, itemKey.length - 1);
            from[0] = RESULT;
            from[itemKey.length] = KEY_END;
            if (it == null) {
                start(fromTheFirstResult ? new byte[] {RESULT} : from);
            }
            for (; current != null && Arrays.compareUnsigned(current, from) < 0; advance()) {
                stray(current, Unattached.Why.UNKNOWN_KEY);
            }
            int count = 0;
            ResultPointer first = null;
            byte[] firstKey = null;
            List<byte[]> others = null;
            for (; current != null; advance()) {
                byte[] k = current;
                if (k.length < from.length || Arrays.mismatch(k, 0, from.length, from, 0, from.length) != -1) {
                    break;
                }
                if (k.length != from.length + 8) {
                    // The key of no item that begins with this one's, the rest after a \0.
                    stray(k, Unattached.Why.UNKNOWN_KEY);
                    continue;
                }
                if (count++ == 0) {
                    first = new ResultPointer(
                            offsetOf(k), ByteBuffer.wrap(it.value()).getInt());
                    firstKey = k;
                } else {
                    others = others == null ? new ArrayList<>(2) : others;
                    others.add(k);
                }
            }
            if (others != null) {
                stray(firstKey, Unattached.Why.DUPLICATED);
                others.forEach(k -> stray(k, Unattached.Why.DUPLICATED));
            }
            return new Results(count, first);
        }

        /** Reports the results after the last item: they answer none. */
        void rest() {
            if (it == null) {
                start(new byte[] {RESULT});
            }
            for (; current != null; advance()) {
                stray(current, Unattached.Why.UNKNOWN_KEY);
            }
        }

        private void start(byte[] from) {
            it = db.newIterator();
            it.seek(from);
            read();
        }

        private void advance() {
            it.next();
            read();
        }

        private void read() {
            current = it.isValid() ? it.key() : null;
            if (current != null && current[0] != RESULT) {
                current = null;
            }
        }

        private void stray(byte[] k, Unattached.Why why) {
            unattached.accept(new Unattached(
                    offsetOf(k), new String(k, 1, Math.max(0, k.length - 10), StandardCharsets.UTF_8), why));
        }

        private static long offsetOf(byte[] resultKey) {
            return ByteBuffer.wrap(resultKey, resultKey.length - 8, 8).getLong();
        }

        @Override
        public void close() {
            if (it != null) {
                it.close();
            }
        }
    }

    @Override
    public void close() {
        discardPending();
        db.close();
        flushOptions.close();
        writeOptions.close();
        options.close();
        cache.close();
    }

    private void writePending() throws RocksDBException {
        if (pending != null && pendingCount > 0) {
            db.write(writeOptions, pending);
        }
        discardPending();
    }

    private void discardPending() {
        if (pending != null) {
            pending.close();
            pending = null;
        }
        pendingCount = 0;
    }

    private byte[] get(byte[] key) {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw failure("read", e);
        }
    }

    private void delete(byte[] key) {
        try {
            db.delete(writeOptions, key);
        } catch (RocksDBException e) {
            throw failure("delete", e);
        }
    }

    private void deleteRange(byte[] from, byte[] to) {
        try {
            db.deleteRange(writeOptions, from, to);
        } catch (RocksDBException e) {
            throw failure("delete a range", e);
        }
    }

    private IllegalStateException failure(String what, RocksDBException e) {
        return new IllegalStateException("key index in " + dir + ": cannot " + what + ": " + e.getMessage(), e);
    }

    private static BatchItem decode(byte[] value) {
        try {
            return BatchItem.fromByteBuffer(ByteBuffer.wrap(value));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable item in the key index (delete the cache directory)", e);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    private static byte[] key(byte prefix, String lineKey) {
        byte[] id = lineKey.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[id.length + 1];
        k[0] = prefix;
        System.arraycopy(id, 0, k, 1, id.length);
        return k;
    }

    private static byte[] meta(String name) {
        return key((byte) 'm', name);
    }
}
