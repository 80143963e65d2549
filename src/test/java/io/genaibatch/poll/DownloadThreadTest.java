package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DownloadThreadTest {

    @Test
    void shouldKeepTheCallerPollingWhileTheTransferRunsElsewhere() {
        try (DownloadThread downloads = new DownloadThread()) {
            AtomicInteger beats = new AtomicInteger();
            CountDownLatch thirdBeat = new CountDownLatch(3);
            Thread caller = Thread.currentThread();
            // The transfer ends only after the caller kept the member alive three times: no timing to guess.
            String result = downloads.call(
                    () -> {
                        assertThat(Thread.currentThread()).isNotSameAs(caller);
                        assertThat(thirdBeat.await(30, TimeUnit.SECONDS))
                                .as("third keep-alive")
                                .isTrue();
                        return "done";
                    },
                    () -> {
                        beats.incrementAndGet();
                        thirdBeat.countDown();
                    });

            assertThat(result).isEqualTo("done");
            assertThat(beats.get()).as("keep-alive calls during the transfer").isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void shouldThrowTheTransfersOwnException() {
        try (DownloadThread downloads = new DownloadThread()) {
            assertThatThrownBy(() -> downloads.call(
                            () -> {
                                throw new IllegalArgumentException("refused");
                            },
                            () -> {}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("refused");
            assertThatThrownBy(() -> downloads.call(
                            () -> {
                                throw new IOException("disk full");
                            },
                            () -> {}))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasRootCauseMessage("disk full");
        }
    }

    @Test
    void shouldStopTheTransferBeforeReturningWhenTheJobIsGivenUp() throws Exception {
        try (DownloadThread downloads = new DownloadThread()) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            AtomicBoolean running = new AtomicBoolean();

            assertThatThrownBy(() -> downloads.call(
                            () -> {
                                running.set(true);
                                started.countDown();
                                try {
                                    Thread.sleep(60_000);
                                } catch (InterruptedException e) {
                                    interrupted.set(true);
                                } finally {
                                    running.set(false);
                                }
                                return null;
                            },
                            () -> {
                                // Given up once the transfer runs (on a slow machine it may start after the first beat)
                                if (started.getCount() == 0) {
                                    throw new JobAbandonedException("partition 0 of jobs was reassigned", null);
                                }
                            }))
                    .isInstanceOf(JobAbandonedException.class);

            assertThat(started.await(1, TimeUnit.SECONDS)).isTrue();
            assertThat(interrupted).as("the transfer was interrupted").isTrue();
            assertThat(running).as("the transfer ended before call returned").isFalse();
            // The thread is free for the next job's transfer
            assertThat(downloads.call(() -> 42, () -> {})).isEqualTo(42);
        }
    }
}
