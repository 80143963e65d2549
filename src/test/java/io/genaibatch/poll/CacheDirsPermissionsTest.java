package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller's cache holds downloaded results and the requests of open jobs (prompts and answers): its directories
 * are the poller's user's alone, also under a shared {@code java.io.tmpdir}.
 */
class CacheDirsPermissionsTest {
    private static final BatchJob JOB = JobTableTest.job("b-1", "batches/j-1", JobState.SUCCEEDED, 0);

    @TempDir
    Path tmp;

    @BeforeEach
    void posixOnly() {
        assumeTrue(
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "permissions are POSIX permissions; this file system has none");
    }

    @Test
    void shouldCreateEveryCacheDirectoryOwnerOnly() throws IOException {
        Path root = tmp.resolve("data/poll-cache");
        CacheDirs cache = new CacheDirs(root, false, "g", "jobs");

        Path jobDir = cache.createJobDir(0, JOB);

        assertThat(jobDir).isEqualTo(cache.jobDir(0, JOB)).isDirectory();
        for (Path dir : new Path[] {root, cache.partitionDir(0), jobDir}) {
            assertThat(permissions(dir)).as(dir.toString()).isEqualTo("rwx------");
        }
    }

    @Test
    void shouldTightenDirectoriesAnEarlierPollerCreatedOpen() throws IOException {
        Path root = tmp.resolve("genai-batch-poll");
        CacheDirs cache = new CacheDirs(root, true, "g", "jobs");
        Files.createDirectories(cache.jobDir(0, JOB));
        for (Path dir : new Path[] {root, cache.partitionDir(0), cache.jobDir(0, JOB)}) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        cache.createJobDir(0, JOB);

        for (Path dir : new Path[] {root, cache.partitionDir(0), cache.jobDir(0, JOB)}) {
            assertThat(permissions(dir)).as(dir.toString()).isEqualTo("rwx------");
        }
    }

    @Test
    void shouldLeaveTheModeOfAnExistingConfiguredRootToItsOwner() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));
        CacheDirs cache = new CacheDirs(root, false, "g", "jobs");

        cache.createJobDir(0, JOB);

        assertThat(permissions(root)).isEqualTo("rwxr-x---");
        assertThat(permissions(cache.partitionDir(0))).isEqualTo("rwx------");
        assertThat(permissions(cache.jobDir(0, JOB))).isEqualTo("rwx------");
    }

    private static String permissions(Path dir) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(dir));
    }
}
