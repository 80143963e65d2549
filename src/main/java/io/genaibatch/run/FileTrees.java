package io.genaibatch.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Deleting a directory and everything under it: the one place that does it (caches, spools, temporary brokers). */
public final class FileTrees {
    private FileTrees() {}

    /**
     * Deletes {@code dir} and everything under it; nothing when it does not exist. Symbolic links are deleted, not
     * followed.
     *
     * @throws UncheckedIOException naming what could not be deleted
     */
    public static void delete(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> deepestFirst = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : deepestFirst) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@link #delete}, returning why it failed instead of throwing (null when it worked). */
    public static String deleteQuietly(Path dir) {
        try {
            delete(dir);
            return null;
        } catch (UncheckedIOException e) {
            return e.getMessage();
        }
    }
}
