package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelsTest {
    private static final List<String> NAMES =
            List.of("gemini-2.5-flash", "models/gemini-2.5-flash", " gemini-2.5-pro\t", "models/x", "a", "A.b_c-9");

    @Test
    void shouldGiveWhatNormalizeGivesWhetherCachedOrNot() {
        Models.Cache cache = new Models.Cache();
        for (int round = 0; round < 3; round++) {
            for (String raw : NAMES) {
                assertThat(cache.normalize(raw)).isEqualTo(Models.normalize(raw));
            }
        }
    }

    @Test
    void shouldThrowForAnInvalidNameEveryTimeWithTheSameMessage() {
        Models.Cache cache = new Models.Cache();
        for (String raw : List.of("gemini 2.5", "models/", "models/models/x", "-x", "é", "x".repeat(129))) {
            String expected = catchMessage(() -> Models.normalize(raw));
            assertThat(expected).isNotNull();
            for (int round = 0; round < 2; round++) {
                assertThatThrownBy(() -> cache.normalize(raw))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage(expected);
            }
        }
    }

    @Test
    void shouldStayCorrectPastItsBound() {
        Models.Cache cache = new Models.Cache();
        for (int i = 0; i < Models.Cache.MAX_ENTRIES * 3; i++) {
            assertThat(cache.normalize("models/m-" + i)).isEqualTo("m-" + i);
        }
        assertThat(cache.normalize("models/m-0")).isEqualTo("m-0");
    }

    private static String catchMessage(Runnable r) {
        try {
            r.run();
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
