package io.genaibatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.logging.log4j.core.LoggerContext;

/**
 * The log set-up of {@code run --log-format json} with a buffer for a console, for tests of what a role logs: each
 * event one JSON object. Close to restore the built-in configuration.
 */
public final class JsonLogCapture implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    public JsonLogCapture() {
        CommandLogging.apply(
                new CommandLogging.Setup(CommandLogging.Format.JSON, null, CommandLogging.Console.ALL), console);
    }

    /** Every event logged since this capture began, in order. */
    public synchronized List<JsonNode> events() {
        return console.toString(StandardCharsets.UTF_8)
                .lines()
                .map(line -> {
                    try {
                        return JSON.readTree(line);
                    } catch (IOException e) {
                        throw new UncheckedIOException("not one JSON object per line: " + line, e);
                    }
                })
                .toList();
    }

    @Override
    public void close() {
        LoggerContext.getContext(false).reconfigure();
    }
}
