package io.genaibatch.cli;

import io.genaibatch.config.ConfigType;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** Lets flags take durations as the config file does: 500ms, 30s, 10m, 2h. */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return ConfigType.parseDuration(value);
    }
}
