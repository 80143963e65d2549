package io.genaibatch.cli;

import io.genaibatch.config.ConfigKeys;
import java.util.ListResourceBundle;

/**
 * The declared default of every config key, for {@code --help}: an option's description writes
 * {@code ${bundle:default.<key>}} and picocli fills it in from this bundle, so the help cannot
 * drift from {@link ConfigKeys}.
 */
final class KeyDefaults extends ListResourceBundle {
    private static final String PREFIX = "default.";

    @Override
    protected Object[][] getContents() {
        return ConfigKeys.ALL.stream()
                .filter(k -> k.defaultValue() != null)
                .map(k -> new Object[] {PREFIX + k.name(), k.defaultText()})
                .toArray(Object[][]::new);
    }
}
