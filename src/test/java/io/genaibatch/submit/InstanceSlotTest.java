package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceSlotTest {
    @TempDir
    Path dir;

    @Test
    void shouldGiveTheSameIdAtEveryRestartOnTheSameSpoolDirectoryAndGroup() {
        String first;
        try (InstanceSlot slot = InstanceSlot.claim(dir.resolve("spool"), "g")) {
            first = slot.id();
        }
        try (InstanceSlot again = InstanceSlot.claim(dir.resolve("spool"), "g")) {
            assertThat(again.id()).isEqualTo(first).matches("[0-9a-f]{8}");
        }
    }

    @Test
    void shouldGiveAnotherSpoolDirectoryItsOwnIdWhateverTheHostName() {
        // Containers often share a host name and a spool path: each has its own file system, so its own slot file
        try (InstanceSlot a = InstanceSlot.claim(dir.resolve("container-a"), "g");
                InstanceSlot b = InstanceSlot.claim(dir.resolve("container-b"), "g")) {
            assertThat(a.id()).isNotEqualTo(b.id());
        }
    }

    @Test
    void shouldGiveInstancesRunningSideBySideDistinctIds() {
        String firstOfG;
        try (InstanceSlot a = InstanceSlot.claim(dir, "g");
                InstanceSlot b = InstanceSlot.claim(dir, "g");
                InstanceSlot otherGroup = InstanceSlot.claim(dir, "h")) {
            assertThat(b.id()).isNotEqualTo(a.id());
            assertThat(otherGroup.id()).isNotEqualTo(a.id()).isNotEqualTo(b.id());
            firstOfG = a.id();
        }
        try (InstanceSlot restarted = InstanceSlot.claim(dir, "g")) {
            assertThat(restarted.id()).as("slot 0 is free again, with its id").isEqualTo(firstOfG);
        }
    }
}
