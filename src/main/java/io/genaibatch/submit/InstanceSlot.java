package io.genaibatch.submit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import io.genaibatch.run.OwnerOnlyDirs;

/**
 * The default submitter instance id when {@code submit.instance-id} is unset: stable across restarts on the same
 * host, spool directory and group, so that a restart after a crash aborts what the crashed run left open at once
 * (same transactional.id) instead of after transaction.timeout.ms. Instances that share all three (several on one
 * host) take distinct slots, each held by an OS file lock in the spool directory while the instance runs: no two
 * live instances get the same id, so they never fence each other, and a restarted one usually gets its slot back.
 */
final class InstanceSlot implements AutoCloseable {
    /** More instances of one group on one host and spool directory than anyone runs. */
    static final int MAX_SLOTS = 64;

    private final String id;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceSlot(String id, FileChannel channel, FileLock lock) {
        this.id = id;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lowest free slot for this host, spool directory and group. */
    static InstanceSlot claim(Path spoolDir, String groupId) {
        try {
            OwnerOnlyDirs.create(spoolDir);
            String base = digest(hostName() + "\n" + spoolDir.toRealPath() + "\n" + groupId);
            for (int slot = 0; slot < MAX_SLOTS; slot++) {
                Path file = spoolDir.resolve(".instance-" + Spool.safe(groupId) + "-" + slot + ".lock");
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = null;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException heldInThisProcess) {
                    // another submitter of this JVM has the slot
                }
                if (lock != null) {
                    return new InstanceSlot(base + "-" + slot, channel, lock);
                }
                channel.close();
            }
            throw new IllegalStateException(MAX_SLOTS + " submitters of group " + groupId + " already run on this host"
                    + " with spool directory " + spoolDir + "; set submit.instance-id or submit.spool-dir per instance");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take an instance slot in " + spoolDir + " (submit.spool-dir): "
                    + e.getMessage() + "; check it is writable, or set submit.instance-id", e);
        }
    }

    String id() {
        return id;
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The lock goes with the process anyway.
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
