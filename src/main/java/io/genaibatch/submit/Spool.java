package io.genaibatch.submit;

import io.genaibatch.run.OwnerOnlyDirs;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool directory: one JSONL file per batch, under one folder per genai.batches partition, holding the
 * exact bytes of the batch's input lines. A cache: everything in it can be rebuilt by re-reading genai.batches
 * from the committed offset, so nothing is fsynced and a partition's folder is emptied when it is assigned.
 *
 * <p>Open batches can be many (one per model and shard, and model names come from the requests), so their files are
 * not all held open: at most {@link #MAX_OPEN_FILES} writers of one spool hold a file (and its buffer) at a time;
 * the least recently written one is flushed and closed to make room, and opened again to append when its batch's
 * next item comes. Writers of one spool are used from one thread (the consumer thread).
 */
final class Spool {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final int BUFFER_BYTES = 16 * 1024;
    /** Files one spool holds open at most: 64 x 16 KiB of buffers, whatever the number of open batches. */
    static final int MAX_OPEN_FILES = 64;

    private final Path root;
    private final String group;
    private final String topic;
    /** Writers holding a file open, least recently written first. */
    private final OpenFiles openFiles = new OpenFiles(MAX_OPEN_FILES);

    /**
     * @param group the submitter's consumer group: each group keeps its own folders, so that two deployments
     *              sharing a spool directory (one working directory, one default) never clear each other's files
     */
    Spool(Path root, String group, String topic) {
        this.root = root;
        this.group = group;
        this.topic = topic;
    }

    /** Removes what an earlier owner of the partition (or an earlier run) left: it is rebuilt from the topic. */
    void clearPartition(int partition) {
        Path dir = partitionDir(partition);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(Spool::deleteQuietly);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the spool folder " + dir, e);
        }
    }

    /** A new, empty spool for the batch; an existing file is truncated (its first item is being read again). */
    Writer create(int partition, String batchId) {
        return open(path(partition, batchId), batchId, openFiles);
    }

    /**
     * A new, empty spool file at {@code file} (truncated if it exists), for batch {@code batchId}. The spool holds
     * the batches' prompts, so the directories created for it (the partition's folder, and the spool dir and its
     * parents when missing) are owner-only (0700); a partition folder that exists with a wider mode is tightened.
     * A spool dir that already exists keeps the mode its owner gave it.
     */
    static Writer open(Path file, String batchId) {
        return open(file, batchId, null);
    }

    /** @param pool where the writer takes its turn holding the file open; null: it holds it until closed */
    private static Writer open(Path file, String batchId, OpenFiles pool) {
        try {
            OwnerOnlyDirs.createOrTighten(file.getParent());
            Writer w = new Writer(file, batchId, pool);
            w.attach(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create the spool file " + file + " for batch " + batchId + ": check that "
                            + file.getParent() + " is writable and has room",
                    e);
        }
    }

    Path path(int partition, String batchId) {
        return partitionDir(partition).resolve(fileName(batchId));
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Cannot delete spool file {}: {}", file, e.toString());
        }
    }

    private Path partitionDir(int partition) {
        return root.resolve(safe(group) + "~" + safe(topic) + "-" + partition);
    }

    /** Batch ids are the accumulator's; keep file names portable and distinct even if an id has odd characters. */
    static String fileName(String batchId) {
        String safe = safe(batchId);
        if (safe.equals(batchId) && safe.length() <= 200) {
            return safe + ".jsonl";
        }
        String shortened = safe.length() > 180 ? safe.substring(0, 180) : safe;
        return shortened + "-"
                + Integer.toHexString(java.util.Arrays.hashCode(batchId.getBytes(StandardCharsets.UTF_8))) + ".jsonl";
    }

    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * The writers holding a file open, at most {@code max}, in the order they last wrote: the least recent is
     * detached (flushed and closed) when another needs its turn.
     */
    private static final class OpenFiles {
        private final int max;
        private final java.util.LinkedHashMap<Writer, Boolean> byLastWrite =
                new java.util.LinkedHashMap<>(16, 0.75f, true);

        OpenFiles(int max) {
            this.max = max;
        }

        /**
         * {@code w} holds (or is about to open) its file and writes now: when it is not among the holders yet and
         * they are as many as allowed, the least recent one is detached first, so that {@code max} is never passed.
         */
        void holding(Writer w) {
            if (!byLastWrite.containsKey(w) && byLastWrite.size() >= max) {
                Writer eldest = byLastWrite.keySet().iterator().next();
                byLastWrite.remove(eldest);
                eldest.detach();
            }
            byLastWrite.put(w, Boolean.TRUE);
        }

        void released(Writer w) {
            byLastWrite.remove(w);
        }
    }

    /**
     * Appends lines of one batch; closed by the partition state that opened it (at the seal or when dropped). In a
     * spool's pool, it may be detached from its file between appends and opens it again to append.
     */
    static final class Writer implements AutoCloseable {
        private final Path path;
        private final String batchId;
        private final OpenFiles pool;
        private OutputStream out;
        private long bytes;
        private int lines;
        private boolean closed;
        /** The file went missing (or changed) while detached: lines are counted, not written; see {@link #reattach}. */
        private boolean gone;

        private Writer(Path path, String batchId, OpenFiles pool) {
            this.path = path;
            this.batchId = batchId;
            this.pool = pool;
        }

        void append(byte[] line) {
            try {
                if (out == null && !gone) {
                    reattach();
                }
                if (out != null) {
                    if (pool != null) {
                        pool.holding(this);
                    }
                    out.write(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to the spool file " + path, e);
            }
            bytes += line.length;
            lines++;
        }

        private void attach(StandardOpenOption... options) throws IOException {
            if (pool != null) {
                pool.holding(this); // before opening: room is made first
            }
            try {
                StandardOpenOption[] all = java.util.Arrays.copyOf(options, options.length + 1);
                all[options.length] = StandardOpenOption.WRITE;
                out = new BufferedOutputStream(Files.newOutputStream(path, all), BUFFER_BYTES);
            } catch (IOException e) {
                if (pool != null) {
                    pool.released(this);
                }
                throw e;
            }
        }

        /**
         * Opens the file again to append. A file deleted or changed meanwhile (a cleanup job, an operator) is not
         * written to again: what it would hold is not the batch, so it is deleted and stays missing, and the
         * batch's submission reads the items again from genai.batches (held there by the committed offset).
         */
        private void reattach() throws IOException {
            long size;
            try {
                size = Files.size(path);
            } catch (java.nio.file.NoSuchFileException e) {
                size = -1;
            }
            if (size != bytes) {
                gone = true;
                deleteQuietly(path);
                log.warn(
                        "Batch {}: its spool file {} was {} while the batch was open; its items will be read again"
                                + " from genai.batches at its seal",
                        batchId,
                        path,
                        size < 0 ? "deleted" : "changed (" + size + " bytes, " + bytes + " written)");
                return;
            }
            attach(StandardOpenOption.APPEND);
        }

        /** Flushes and closes the file; the next append opens it again. */
        private void detach() {
            OutputStream o = out;
            out = null;
            try {
                o.close();
            } catch (IOException e) {
                // Its content is now unknown: the batch is read again from genai.batches, as for a deleted file.
                gone = true;
                deleteQuietly(path);
                log.warn(
                        "Batch {}: cannot finish writing its spool file {} ({}); its items will be read again from"
                                + " genai.batches at its seal",
                        batchId,
                        path,
                        e.toString());
            }
        }

        Path path() {
            return path;
        }

        long bytes() {
            return bytes;
        }

        int lines() {
            return lines;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (pool != null) {
                pool.released(this);
            }
            if (out == null) {
                return;
            }
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot finish the spool file " + path, e);
            } finally {
                out = null;
            }
        }
    }
}
