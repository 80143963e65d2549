package io.genaibatch.submit;

import io.genaibatch.run.OwnerOnlyDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The default submitter instance id when {@code submit.instance-id} is unset: stable across restarts on the same
 * spool directory and group, so that a restart after a crash aborts what the crashed run left open at once (same
 * transactional.id) instead of after transaction.timeout.ms. Instances sharing a spool directory take distinct slots,
 * each held by an OS file lock while the instance runs. A slot's id is random, written into its lock file the first
 * time the slot is taken and read back after: unique across machines and containers without relying on host names
 * (which containers often share), and the same at every restart for as long as the spool directory lasts.
 */
final class InstanceSlot implements AutoCloseable {
    /** More instances of one group on one spool directory than anyone runs. */
    static final int MAX_SLOTS = 64;

    private static final int ID_BYTES = 4;

    /**
     * Slot files held by this JVM. Process-wide on purpose: the OS lock is the process's, and opening and closing
     * another channel on a held file to probe it would release that lock (POSIX record locks), so held files are
     * never probed from this process.
     */
    private static final Set<Path> HELD = new HashSet<>();

    private final Path file;
    private final String id;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceSlot(Path file, String id, FileChannel channel, FileLock lock) {
        this.file = file;
        this.id = id;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lowest free slot for this spool directory and group. */
    static InstanceSlot claim(Path spoolDir, String groupId) {
        try {
            OwnerOnlyDirs.create(spoolDir);
            synchronized (HELD) {
                for (int slot = 0; slot < MAX_SLOTS; slot++) {
                    Path file = spoolDir.resolve(".instance-" + Spool.safe(groupId) + "-" + slot + ".lock")
                            .toAbsolutePath()
                            .normalize();
                    if (HELD.contains(file)) {
                        continue;
                    }
                    FileChannel channel = FileChannel.open(
                            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    FileLock lock = channel.tryLock();
                    if (lock == null) {
                        channel.close();
                        continue;
                    }
                    HELD.add(file);
                    return new InstanceSlot(file, idOf(channel), channel, lock);
                }
            }
            throw new IllegalStateException(MAX_SLOTS + " submitters of group " + groupId + " already run with spool "
                    + "directory " + spoolDir + "; set submit.instance-id or submit.spool-dir per instance");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot take an instance slot in " + spoolDir + " (submit.spool-dir): " + e.getMessage()
                            + "; check it is writable, or set submit.instance-id",
                    e);
        }
    }

    /** The id kept in the slot file; a new random one written there when it has none yet. */
    private static String idOf(FileChannel channel) throws IOException {
        ByteBuffer read = ByteBuffer.allocate(64);
        channel.read(read, 0);
        String kept = new String(read.array(), 0, read.position(), StandardCharsets.US_ASCII).strip();
        if (kept.matches("[0-9a-f]{" + 2 * ID_BYTES + "}")) {
            return kept;
        }
        byte[] random = new byte[ID_BYTES];
        new SecureRandom().nextBytes(random);
        String id = HexFormat.of().formatHex(random);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(true);
        return id;
    }

    String id() {
        return id;
    }

    @Override
    public void close() {
        synchronized (HELD) {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                // The lock goes with the process anyway.
            } finally {
                HELD.remove(file);
            }
        }
    }
}
