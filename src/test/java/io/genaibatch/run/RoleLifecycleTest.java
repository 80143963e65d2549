package io.genaibatch.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.cli.JsonLogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The one lifecycle of the roles, with steps that stand in for a role's work. */
@Timeout(60)
class RoleLifecycleTest {
    private static final Duration BOUND = Duration.ofMillis(300);

    /** A role's work on its thread: runs until stopped, or until {@link #die} ends it with an error. */
    private static class Work implements RoleLifecycle.Steps {
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();
        final AtomicInteger releases = new AtomicInteger();
        final CompletableFuture<Void> end = new CompletableFuture<>();
        final CountDownLatch mayStart = new CountDownLatch(1);
        volatile Duration stopWithin;
        RoleLifecycle lifecycle;
        boolean deaf;

        Work lifecycle(Duration bound) {
            lifecycle = new RoleLifecycle(
                    "demo",
                    LoggerFactory.getLogger(RoleLifecycleTest.class),
                    bound,
                    "demo.close-timeout",
                    this,
                    Duration.ofMillis(100));
            return this;
        }

        @Override
        public String start() {
            starts.incrementAndGet();
            awaitUninterruptibly(mayStart);
            // join() ignores interrupts: a deaf role's thread outlives its close.
            lifecycle.runOnThread("7", end::join);
            return "group g";
        }

        @Override
        public void stop(Duration within) {
            stopWithin = within;
            stops.incrementAndGet();
            if (!deaf) {
                end.complete(null);
            }
        }

        @Override
        public void release() {
            releases.incrementAndGet();
        }

        void die(RuntimeException why) {
            end.completeExceptionally(why);
        }
    }

    private static Work started() {
        Work w = new Work().lifecycle(BOUND);
        w.mayStart.countDown();
        w.lifecycle.start();
        return w;
    }

    @Test
    void closeBeforeStartReturnsAtOnceStoppedAndALaterStartIsRefused() {
        Work w = new Work().lifecycle(BOUND);

        w.lifecycle.close();

        assertThat(w.lifecycle.stopped().toCompletableFuture()).isCompleted().isNotCompletedExceptionally();
        assertThat(w.lifecycle.readiness(() -> Readiness.READY).problems()).containsExactly("stopped");
        assertThatThrownBy(w.lifecycle::start).hasMessage("role demo is closed; a role starts once");
        assertThat(w.starts).hasValue(0);
        assertThat(w.stops).hasValue(0);
    }

    @Test
    void aSecondStartIsRefused() {
        Work w = started();

        assertThatThrownBy(w.lifecycle::start).hasMessage("role demo was already started; a role starts once");
        assertThat(w.starts).hasValue(1);
        w.lifecycle.close();
    }

    @Test
    void closeFromTwoThreadsStopsOnceAndEachReturnsStopped() {
        Work w = started();
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Boolean>> closes = List.of(closer(w, go), closer(w, go));

        go.countDown();

        assertThat(closes).allSatisfy(c -> assertThat(c.join()).isTrue());
        assertThat(w.stops).hasValue(1);
        assertThat(w.releases).hasValue(1);
        assertThat(w.lifecycle.stopped().toCompletableFuture()).isNotCompletedExceptionally();
    }

    private static CompletableFuture<Boolean> closer(Work w, CountDownLatch go) {
        return CompletableFuture.supplyAsync(() -> {
            awaitUninterruptibly(go);
            w.lifecycle.close();
            return w.lifecycle.stopped().toCompletableFuture().isDone();
        });
    }

    @Test
    void aRoleWhoseThreadDiesHasStoppedExceptionallyIsUnreadyAndCloseReturnsAtOnce() {
        Work w = started();
        IllegalStateException crash = new IllegalStateException("producer fenced");

        w.die(crash);

        assertThatThrownBy(() -> w.lifecycle.stopped().toCompletableFuture().join())
                .hasCause(crash);
        assertThat(w.lifecycle.failure()).containsSame(crash);
        assertThat(w.lifecycle.isRunning()).isFalse();
        assertThat(w.lifecycle.readiness(() -> Readiness.READY).problems())
                .containsExactly("stopped on its own: producer fenced");
        w.lifecycle.close();
        assertThat(w.stops).as("nothing left to stop").hasValue(0);
        assertThat(w.releases).hasValue(1);
    }

    @Test
    void aRoleWhoseThreadEndsUnaskedWithoutAnErrorHasFailedToo() {
        Work w = started();

        w.end.complete(null);

        assertThatThrownBy(() -> w.lifecycle.stopped().toCompletableFuture().join())
                .hasRootCauseMessage("role demo ended without being closed");
    }

    @Test
    void aStartThatThrowsIsRethrownStopsTheRoleExceptionallyAndReleasesIt() {
        RuntimeException refused = new IllegalStateException("topics [t] do not exist");
        Work w = new Work() {
            @Override
            public String start() {
                throw refused;
            }
        }.lifecycle(BOUND);

        assertThatThrownBy(w.lifecycle::start).isSameAs(refused);

        assertThatThrownBy(() -> w.lifecycle.stopped().toCompletableFuture().join())
                .hasCause(refused);
        assertThat(w.releases).hasValue(1);
        w.lifecycle.close();
        assertThat(w.releases).hasValue(1);
    }

    @Test
    void aCloseDuringStartStopsWhatTheStartSetUp() throws Exception {
        Work w = new Work().lifecycle(BOUND);
        CompletableFuture<Void> starting = CompletableFuture.runAsync(w.lifecycle::start);
        while (w.starts.get() == 0) {
            Thread.onSpinWait();
        }
        CompletableFuture<Void> closing = CompletableFuture.runAsync(w.lifecycle::close);
        while (w.lifecycle.state() != RoleLifecycle.State.STOPPING) {
            Thread.onSpinWait();
        }

        w.mayStart.countDown();
        starting.join();
        closing.join();

        assertThat(w.stops).hasValue(1);
        assertThat(w.lifecycle.stopped().toCompletableFuture()).isNotCompletedExceptionally();
    }

    @Test
    void aCloseDuringStartGivesTheStopOnlyWhatIsLeftOfItsOneBound() throws Exception {
        Work w = new Work().lifecycle(Duration.ofSeconds(2));
        CompletableFuture<Void> starting = CompletableFuture.runAsync(w.lifecycle::start);
        while (w.starts.get() == 0) {
            Thread.onSpinWait();
        }
        CompletableFuture<Void> closing = CompletableFuture.runAsync(w.lifecycle::close);
        while (w.lifecycle.state() != RoleLifecycle.State.STOPPING) {
            Thread.onSpinWait();
        }
        Thread.sleep(800); // part of the bound spent waiting for the start, on purpose

        w.mayStart.countDown();
        starting.join();
        closing.join();

        // One bound for the whole close: a Kafka Streams close given a full bound again would take up to twice it.
        assertThat(w.stopWithin).isLessThanOrEqualTo(Duration.ofMillis(1200));
    }

    @Test
    void aStartThatOutlastsTheCloseBoundIsStoppedWhenItReturnsAndOnlyThenReleased() throws Exception {
        Work w = new Work().lifecycle(BOUND);
        CompletableFuture<Void> starting = CompletableFuture.runAsync(w.lifecycle::start);
        while (w.starts.get() == 0) {
            Thread.onSpinWait();
        }

        // The close gives up waiting for the start after its bound; the start is still building the role.
        w.lifecycle.close();
        assertThat(w.releases).as("released while its start still runs").hasValue(0);
        assertThat(w.stops).hasValue(0);

        w.mayStart.countDown();
        starting.join();

        // The start, returning after the close, stops what it set up and releases it: nothing is left running.
        assertThat(w.stops).hasValue(1);
        assertThat(w.releases).hasValue(1);
        assertThat(w.lifecycle.stopped().toCompletableFuture()).isCompleted().isNotCompletedExceptionally();
        assertThat(w.lifecycle.isRunning()).isFalse();
    }

    @Test
    void aCloseThatOutlastsItsBoundReturnsWithAnErrorNamingTheRoleAndTheKey() {
        Work w = new Work().lifecycle(BOUND);
        w.deaf = true;
        w.mayStart.countDown();
        w.lifecycle.start();

        try (JsonLogCapture log = new JsonLogCapture()) {
            w.lifecycle.close();

            assertThat(w.lifecycle.stopped().toCompletableFuture()).isNotDone();
            // What it still uses (its meters, the submitter's instance lock) stays until it ends.
            assertThat(w.releases).hasValue(0);
            assertThat(log.events())
                    .filteredOn(e -> e.get("level").asText().equals("ERROR"))
                    .extracting(e -> e.get("message").asText())
                    .singleElement()
                    .asString()
                    .isEqualTo("Role demo did not stop within 300ms (demo.close-timeout) nor 100ms after an "
                            + "interrupt of genai-batch-demo-7; leaving it running, to be released when it ends, and"
                            + " going on");
        } finally {
            w.end.complete(null);
        }
        assertThat(w.lifecycle.awaitStopped(Duration.ofSeconds(10))).isTrue();
        assertThat(w.releases).hasValue(1);
    }

    @Test
    void theRoleSaysWhenItStartsStopsAndHowLongStoppingTook() {
        try (JsonLogCapture log = new JsonLogCapture()) {
            Work w = started();
            w.lifecycle.close();

            List<JsonNode> events = log.events();
            assertThat(events)
                    .extracting(e -> e.get("message").asText())
                    .satisfiesExactly(
                            m -> assertThat(m).matches("Role demo started in \\d+ ms: group g"),
                            m -> assertThat(m).isEqualTo("Role demo stopping"),
                            m -> assertThat(m).matches("Role demo stopped in \\d+ ms"));
            assertThat(events)
                    .extracting(e -> e.get("logger").asText())
                    .containsOnly(RoleLifecycleTest.class.getName());
        }
    }

    @Test
    void theRolesThreadIsNamedAfterTheRole() {
        CompletableFuture<String> threadName = new CompletableFuture<>();
        RoleLifecycle[] lifecycle = new RoleLifecycle[1];
        lifecycle[0] = new RoleLifecycle(
                "poll", LoggerFactory.getLogger(RoleLifecycleTest.class), BOUND, "k", new RoleLifecycle.Steps() {
                    @Override
                    public String start() {
                        lifecycle[0].runOnThread(
                                "",
                                () -> threadName.complete(Thread.currentThread().getName()));
                        return "";
                    }

                    @Override
                    public void stop(Duration within) {}
                });

        lifecycle[0].start();

        assertThat(threadName.join()).isEqualTo("genai-batch-poll");
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
