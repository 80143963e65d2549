package io.genaibatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigKeysTest {

    @Test
    void shouldListEveryDeclaredKeyOnceInDeclarationOrder() throws Exception {
        List<ConfigKey<?>> declared = new ArrayList<>();
        for (Field field : ConfigKeys.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigKey.class) {
                declared.add((ConfigKey<?>) field.get(null));
            }
        }
        assertThat(ConfigKeys.ALL)
                .as("a declared key missing from ConfigKeys.ALL is neither loaded nor documented")
                .containsExactlyElementsOf(declared);
        assertThat(ConfigKeys.ALL.stream().map(ConfigKey::name)).doesNotHaveDuplicates();
    }
}
