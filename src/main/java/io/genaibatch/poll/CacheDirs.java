package io.genaibatch.poll;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.records.BatchJob;
import io.genaibatch.run.FileTrees;
import io.genaibatch.run.OwnerOnlyDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the poller keeps each job's local cache (downloaded results and the {@link ItemIndex}), and when it goes:
 * {@code <poll.cache-dir>/<group>~<jobs topic>-<partition>/<batchId>-<hash of batchId and job name>/}.
 *
 * <p>One directory per owned partition of genai.jobs, named after the group and the topic, because the default
 * cache dir ({@code <java.io.tmpdir>/genai-batch-poll}) is shared by every poller of the machine: a poller deletes
 * only inside the directories of partitions the group gave it, never a neighbour's (another group, another
 * cluster's topics, or a partition another process of the same group owns). Nothing outside poll.cache-dir is ever
 * touched: every path deleted is checked to lie under it, and links are deleted, not followed.
 *
 * <p>Deletions are logged at INFO with their reason; a failure to delete is logged and left for the next sweep (a
 * cache that stays behind wastes disk, it never changes what is published).
 */
final class CacheDirs {
    private static final Logger log = LoggerFactory.getLogger(CacheDirs.class);

    private final Path root;
    private final boolean defaultRoot;
    private final String partitionPrefix;

    CacheDirs(Path root, String groupId, String jobsTopic) {
        this(root, false, groupId, jobsTopic);
    }

    /** {@code defaultRoot}: root is the default {@code <java.io.tmpdir>/genai-batch-poll}, not a configured one. */
    CacheDirs(Path root, boolean defaultRoot, String groupId, String jobsTopic) {
        this.root = root.toAbsolutePath().normalize();
        this.defaultRoot = defaultRoot;
        // '~' is outside the characters safe() keeps, so group and topic never run into each other.
        this.partitionPrefix = safe(groupId) + "~" + safe(jobsTopic) + "-";
    }

    Path root() {
        return root;
    }

    /** The directory of this partition's job caches. */
    Path partitionDir(int partition) {
        return root.resolve(partitionPrefix + partition);
    }

    /**
     * The job's cache directory: readable batchId, plus a hash of batchId and job name, so that another attempt of
     * the batch (a new job) never reuses the results of an earlier one.
     */
    Path jobDir(int partition, BatchJob job) {
        String safe = job.getBatchId().replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 80) {
            safe = safe.substring(0, 80);
        }
        String id = job.getBatchId() + "\n" + job.getJobName();
        return partitionDir(partition)
                .resolve(safe + "-" + HexFormat.of().toHexDigits(fnv64(id.getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * The job's cache directory, created (with the directories above it) when missing. Every directory the poller
     * creates is owner-only (0700), since the cache holds prompts and answers. The partition's and the job's
     * directories are made owner-only when they exist too (an earlier version created them open); so is the root
     * when it is the default one under {@code java.io.tmpdir}, which only genai-batch uses. A root the operator
     * configured and created keeps the mode they gave it.
     */
    Path createJobDir(int partition, BatchJob job) {
        Path dir = jobDir(partition, job);
        try {
            if (defaultRoot && Files.isSymbolicLink(root)) {
                // In a shared temp directory anyone may have planted it, pointing anywhere.
                throw new IllegalStateException("the poller's default cache directory " + root + " is a symbolic"
                        + " link; remove it, or set " + ConfigKeys.POLL_CACHE_DIR.name() + " to a directory of your"
                        + " own (under the service's data directory)");
            }
            OwnerOnlyDirs.create(root);
            if (defaultRoot) {
                OwnerOnlyDirs.tighten(root);
            }
            OwnerOnlyDirs.createOrTighten(partitionDir(partition));
            OwnerOnlyDirs.createOrTighten(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(
                    "cannot create the poller's cache directory " + dir
                            + " owner-only (" + e + ")"
                            + (defaultRoot
                                    ? "; if another user owns " + root + ", set " + ConfigKeys.POLL_CACHE_DIR.name()
                                            + " to a directory of your own"
                                    : ""),
                    e);
        }
        return dir;
    }

    /** Deletes the job's cache directory, if there is one. */
    void deleteJob(int partition, BatchJob job, String reason) {
        Path dir = jobDir(partition, job);
        if (delete(dir)) {
            log.info(
                    "batch {} job {}: deleted its cache directory {} ({})",
                    job.getBatchId(),
                    job.getJobName(),
                    dir,
                    reason);
        }
        deleteIfEmpty(partitionDir(partition));
    }

    /**
     * Deletes every job cache of the partition but {@code keep} (the directories of its open jobs, and of a job whose
     * index is open right now), e.g. those a crash or an earlier owner left behind.
     *
     * @return how many were deleted
     */
    int sweep(int partition, Set<Path> keep, String reason) {
        Path dir = partitionDir(partition);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        List<Path> gone = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (!keep.contains(child) && delete(child)) {
                    gone.add(child);
                }
            }
        } catch (IOException e) {
            log.warn("Cannot list the cache directory {} to tidy it: {}", dir, e.toString());
            return 0;
        }
        gone.forEach(p -> log.info("Deleted the cache directory {} ({})", p, reason));
        deleteIfEmpty(dir);
        return gone.size();
    }

    private static void deleteIfEmpty(Path partitionDir) {
        try {
            Files.deleteIfExists(partitionDir);
        } catch (DirectoryNotEmptyException e) {
            // a job of the partition still has its cache
        } catch (IOException e) {
            log.debug("Cannot delete the empty cache directory {}: {}", partitionDir, e.toString());
        }
    }

    /** Deletes the directory and what is in it; false when there was nothing to delete or it could not be. */
    private boolean delete(Path dir) {
        Path target = dir.toAbsolutePath().normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            // Never reached with the names built here; the check is what makes "only under cache-dir" a fact.
            throw new IllegalStateException("refusing to delete " + target + ": not inside the poller's cache " + root);
        }
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        // FileTrees deletes a link, never what it points to.
        String problem = FileTrees.deleteQuietly(target);
        if (problem != null) {
            log.warn("Cannot delete the cache directory {}: {}; tried again at the next tidy-up", target, problem);
            return false;
        }
        return true;
    }

    private static String safe(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.equals(name) && safe.length() <= 80) {
            return safe;
        }
        // Rewritten names could meet: the hash of the real name keeps them apart.
        return (safe.length() > 80 ? safe.substring(0, 80) : safe) + "-"
                + HexFormat.of().toHexDigits(fnv64(name.getBytes(StandardCharsets.UTF_8)));
    }

    /** A 64-bit FNV-1a: stable across runs and JVMs, enough to tell directories apart. */
    static long fnv64(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
