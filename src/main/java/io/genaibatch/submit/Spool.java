package io.genaibatch.submit;

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

import io.genaibatch.run.OwnerOnlyDirs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool directory: one JSONL file per batch, under one folder per genai.batches partition, holding the
 * exact bytes of the batch's input lines. A cache: everything in it can be rebuilt by re-reading genai.batches
 * from the committed offset, so nothing is fsynced and a partition's folder is emptied when it is assigned.
 */
final class Spool {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final int BUFFER_BYTES = 16 * 1024;

    private final Path root;
    private final String group;
    private final String topic;

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
        return open(path(partition, batchId), batchId);
    }

    /**
     * A new, empty spool file at {@code file} (truncated if it exists), for batch {@code batchId}. The spool holds
     * the batches' prompts, so the directories created for it (the partition's folder, and the spool dir and its
     * parents when missing) are owner-only (0700); a partition folder that exists with a wider mode is tightened.
     * A spool dir that already exists keeps the mode its owner gave it.
     */
    static Writer open(Path file, String batchId) {
        try {
            OwnerOnlyDirs.createOrTighten(file.getParent());
            OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            return new Writer(file, new BufferedOutputStream(out, BUFFER_BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the spool file " + file + " for batch " + batchId
                    + ": check that " + file.getParent() + " is writable and has room", e);
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
        return shortened + "-" + Integer.toHexString(java.util.Arrays.hashCode(batchId.getBytes(StandardCharsets.UTF_8)))
                + ".jsonl";
    }

    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Appends lines of one batch; closed by the partition state that opened it (at the seal or when dropped). */
    static final class Writer implements AutoCloseable {
        private final Path path;
        private final OutputStream out;
        private long bytes;
        private int lines;
        private boolean closed;

        private Writer(Path path, OutputStream out) {
            this.path = path;
            this.out = out;
        }

        void append(byte[] line) {
            try {
                out.write(line);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to the spool file " + path, e);
            }
            bytes += line.length;
            lines++;
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
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot finish the spool file " + path, e);
            }
        }
    }
}
