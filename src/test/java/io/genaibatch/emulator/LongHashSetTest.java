package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LongHashSetTest {
    @Test
    void shouldFindEveryDuplicateAcrossGrowth() {
        LongHashSet set = new LongHashSet();
        for (long i = -50_000; i < 50_000; i++) {
            assertThat(set.add(Hashing.mix(i))).as("first add of %d", i).isTrue();
        }
        for (long i = -50_000; i < 50_000; i += 997) {
            assertThat(set.add(Hashing.mix(i))).as("second add of %d", i).isFalse();
        }
        // 0 is the empty-slot marker inside; it must still be a value like any other.
        LongHashSet fresh = new LongHashSet();
        assertThat(fresh.add(0L)).isTrue();
        assertThat(fresh.add(0L)).isFalse();
    }
}
