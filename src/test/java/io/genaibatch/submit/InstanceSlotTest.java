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
            assertThat(again.id()).isEqualTo(first).matches("[0-9a-f]{8}-0");
        }
    }

    @Test
    void shouldGiveInstancesRunningSideBySideDistinctIds() {
        try (InstanceSlot a = InstanceSlot.claim(dir, "g");
             InstanceSlot b = InstanceSlot.claim(dir, "g");
             InstanceSlot otherGroup = InstanceSlot.claim(dir, "h")) {
            assertThat(b.id()).isNotEqualTo(a.id()).endsWith("-1");
            assertThat(otherGroup.id()).isNotEqualTo(a.id()).endsWith("-0");
        }
        try (InstanceSlot restarted = InstanceSlot.claim(dir, "g")) {
            assertThat(restarted.id()).as("slot 0 is free again").endsWith("-0");
        }
    }
}
