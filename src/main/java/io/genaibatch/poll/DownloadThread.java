package io.genaibatch.poll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a job's results transfer (a responses file download, a stream of inline results) on a thread of its own
 * while the poll thread keeps calling {@code poll()}. A group member is alive only while its consumer polls at least
 * every max.poll.interval.ms (KafkaConsumer's heartbeat thread leaves the group past that), and the consumer may be
 * used from one thread only; so the consumer stays on the poll thread, which polls every {@link #BEAT} while it waits,
 * and the transfer, which may take far longer than the interval (a multi-GB output), moves off it. Before, a download
 * past the interval got the poller evicted and the partition's next owner started the download again.
 *
 * <p>When the poll thread gives the job up meanwhile (its partition revoked or lost, the poller closing), the
 * transfer is interrupted and waited for, so that nothing writes in the job's cache once it may be deleted; the
 * bytes already downloaded stay in {@code <target>.part} for the next round to resume from (Range).
 */
final class DownloadThread implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DownloadThread.class);
    /** How often the poll thread polls while a transfer runs: far under any workable max.poll.interval.ms. */
    static final Duration BEAT = Duration.ofMillis(500);
    /** How long a transfer given up may take to notice its interrupt. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "genai-batch-poll-download");
        t.setDaemon(true);
        return t;
    });

    /**
     * Runs {@code transfer} on the download thread and returns its result, calling {@code keepAlive} on this thread
     * every {@link #BEAT} until it ends. An exception of the transfer is thrown here as it is (an IOException as
     * UncheckedIOException); one of {@code keepAlive} stops the transfer first.
     */
    <T> T call(Callable<T> transfer, Runnable keepAlive) {
        Future<T> running = executor.submit(transfer);
        try {
            while (true) {
                try {
                    return running.get(BEAT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    keepAlive.run();
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            if (cause instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            stop(running);
            Thread.currentThread().interrupt();
            throw new JobAbandonedException("interrupted while its results were transferred", e);
        } catch (RuntimeException | Error e) {
            // keepAlive gave the job up (partition revoked or lost, poller closing, a wakeup).
            stop(running);
            throw e;
        }
    }

    /** Interrupts the transfer and waits until the thread has left it (the next task runs only then). */
    private void stop(Future<?> running) {
        running.cancel(true);
        try {
            executor.submit(() -> {}).get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("The results transfer given up did not stop within {}; it ends on its own", STOP_WAIT);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
