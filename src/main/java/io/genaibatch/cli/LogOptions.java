package io.genaibatch.cli;

import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** How a long-running command (`run`, `local`) writes its log. */
final class LogOptions {
    @Option(
            names = "--log-format",
            defaultValue = "text",
            paramLabel = "text|json",
            converter = FormatConverter.class,
            description = "text: one line per event; json: one JSON object per line (time, level, logger, thread, "
                    + "message, batchId, job and model when the event is about one batch, error) for log shippers "
                    + "(default: ${DEFAULT-VALUE}).")
    CommandLogging.Format format = CommandLogging.Format.TEXT;

    @Option(names = "--log-file", paramLabel = "FILE", description = "Also write the log to this file (appended).")
    Path file;

    /** The log setup of a command: {@code defaultFile} unless --log-file names another; may be null. */
    CommandLogging.Setup setup(Path defaultFile, CommandLogging.Console console) {
        return new CommandLogging.Setup(format, file != null ? file : defaultFile, console);
    }

    /** True when nothing was asked: the command keeps the built-in configuration. */
    boolean isDefault() {
        return format == CommandLogging.Format.TEXT && file == null;
    }

    static final class FormatConverter implements ITypeConverter<CommandLogging.Format> {
        @Override
        public CommandLogging.Format convert(String value) {
            try {
                return CommandLogging.Format.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a log format; use text or json");
            }
        }
    }
}
