package io.genaibatch.run;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Directories only the service's own user may enter (0700): the poller's cache and the submitter's spool hold
 * prompts and answers, and their defaults may sit under a shared directory such as {@code java.io.tmpdir}. On a
 * file system without POSIX permissions the directories are created as the platform makes them.
 */
public final class OwnerOnlyDirs {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private OwnerOnlyDirs() {}

    /** Whether the default file system has POSIX permissions (otherwise there is nothing to set). */
    public static boolean supported() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Creates {@code dir} and its missing parents owner-only; an existing directory is left as it is (see
     * {@link #tighten}).
     */
    public static Path create(Path dir) throws IOException {
        if (!supported()) {
            return Files.createDirectories(dir);
        }
        // The mode is given at creation, so the directory is never open to others, not even for a moment.
        FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
        return Files.createDirectories(dir, mode);
    }

    /** Creates {@code dir} like {@link #create}, and makes it owner-only when it already existed. */
    public static Path createOrTighten(Path dir) throws IOException {
        create(dir);
        tighten(dir);
        return dir;
    }

    /** Makes an existing directory owner-only (only a change when it was not). */
    public static void tighten(Path dir) throws IOException {
        if (supported() && !Files.getPosixFilePermissions(dir).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
        }
    }
}
