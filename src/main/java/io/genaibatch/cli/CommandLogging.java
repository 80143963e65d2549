package io.genaibatch.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.appender.OutputStreamAppender;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.CompositeFilter;
import org.apache.logging.log4j.core.filter.ThresholdFilter;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;

/**
 * The log set-up a long-running command chooses when it starts, applied over the built-in configuration
 * (log4j2.xml), whose logger levels and console pattern it keeps: where the events go (the console, a file), in
 * which format, and how much of them the console shows.
 */
final class CommandLogging {
    enum Format {
        TEXT,
        JSON
    }

    enum Console {
        /** Every event the loggers let through (`run`, `local --verbose`). */
        ALL,
        /** Errors only, one line each without the stack trace, which stays in the file (`local`). */
        ERRORS
    }

    /** Where and how to log; {@code file} may be null (console only). */
    record Setup(Format format, Path file, Console console) {}

    /** Field names and resolvers of a JSON log event: docs/OPERATIONS.md, "Logging". */
    static final String JSON_TEMPLATE = "classpath:genai-batch-log-event.json";

    private static final String FILE_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n";
    private static final String ERRORS_PATTERN =
            "%d{HH:mm:ss} %-5level %c{1} - %msg%notEmpty{ (%ex{1}{separator()})}%n";
    private static final String BUILT_IN_CONSOLE = "stderr";

    private CommandLogging() {}

    /** Applies {@code setup} with the process's standard error as the console. */
    static void apply(Setup setup) {
        apply(setup, System.err);
    }

    /** Applies {@code setup} with {@code console} as the console (a test's buffer). */
    static void apply(Setup setup, OutputStream console) {
        LoggerContext context = LoggerContext.getContext(false);
        Configuration config = context.getConfiguration();
        String consolePattern = builtInConsolePattern(config);
        List<Appender> appenders = new ArrayList<>();
        appenders.add(OutputStreamAppender.newBuilder()
                .setName("console")
                .setTarget(new KeepOpen(console))
                .setLayout(
                        setup.console() == Console.ERRORS
                                ? layout(setup.format(), ERRORS_PATTERN, config)
                                : layout(setup.format(), consolePattern, config))
                .setFilter(consoleFilter(setup))
                .setConfiguration(config)
                .build());
        if (setup.file() != null) {
            appenders.add(FileAppender.newBuilder()
                    .setName("file")
                    .withFileName(setup.file().toString())
                    .withAppend(true)
                    .setLayout(layout(setup.format(), FILE_PATTERN, config))
                    .setConfiguration(config)
                    .build());
        }
        LoggerConfig root = config.getRootLogger();
        for (Appender old : List.copyOf(root.getAppenders().values())) {
            root.removeAppender(old.getName());
            if (config instanceof AbstractConfiguration built) {
                built.removeAppender(old.getName());
            }
            old.stop();
        }
        for (Appender appender : appenders) {
            appender.start();
            config.addAppender(appender);
            root.addAppender(appender, null, null);
        }
        context.updateLoggers();
    }

    /**
     * Errors only for an {@link Console#ERRORS} console; and whenever a file keeps every event, the broker's benign
     * noise stays off the console. Without a file nothing is held back: it would be lost.
     */
    private static Filter consoleFilter(Setup setup) {
        List<Filter> filters = new ArrayList<>();
        if (setup.console() == Console.ERRORS) {
            filters.add(ThresholdFilter.createFilter(Level.ERROR, Filter.Result.NEUTRAL, Filter.Result.DENY));
        }
        if (setup.file() != null) {
            filters.add(new BenignBrokerNoise());
        }
        return filters.isEmpty() ? null : CompositeFilter.createFilters(filters.toArray(Filter[]::new));
    }

    private static Layout<String> layout(Format format, String pattern, Configuration config) {
        if (format == Format.JSON) {
            return JsonTemplateLayout.newBuilder()
                    .setConfiguration(config)
                    .setEventTemplateUri(JSON_TEMPLATE)
                    .build();
        }
        return PatternLayout.newBuilder()
                .withConfiguration(config)
                .withPattern(pattern)
                // An errors-only console names the exception; its stack trace is in the file.
                .withAlwaysWriteExceptions(!ERRORS_PATTERN.equals(pattern))
                .build();
    }

    /** The pattern of log4j2.xml's console, so that a command's console looks like every other command's. */
    private static String builtInConsolePattern(Configuration config) {
        Appender builtIn = config.getAppender(BUILT_IN_CONSOLE);
        return builtIn != null && builtIn.getLayout() instanceof PatternLayout p
                ? p.getConversionPattern()
                : FILE_PATTERN;
    }

    /** The console outlives the appender: stopping it (a reconfiguration, the shutdown) must not close stderr. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
