package io.genaibatch.cli;

import org.apache.logging.log4j.LogManager;

/** One place that turns SIGTERM / Ctrl-C into an orderly stop, then flushes the logs. */
final class Shutdown {
    private Shutdown() {}

    static void onSignal(String what, Runnable stop) {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                stop.run();
                            } finally {
                                // log4j's own hook is disabled (log4j2.xml) so that the lines logged while stopping are
                                // not lost.
                                LogManager.shutdown();
                            }
                        },
                        "genai-batch-shutdown-" + what));
    }
}
