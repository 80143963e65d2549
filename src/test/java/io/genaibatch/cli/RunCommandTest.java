package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RunCommandTest {

    @Test
    void shouldExplainAMissingApiKeyBeforeStartingAnyRole() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                System.getenv("GEMINI_API_KEY") == null && System.getenv("GOOGLE_API_KEY") == null,
                "an API key is set in this environment");
        // No Kafka is needed: the Gemini client is set up, and refused, before the roles start.
        CliRunner.Result result = CliRunner.run("run", "--roles", "submit", "--bootstrap-servers", "localhost:1");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("no Gemini API key: set GOOGLE_API_KEY or GEMINI_API_KEY");
    }

    @Test
    void shouldRefuseAnUnknownRoleNamingEveryRole() {
        CliRunner.Result result = CliRunner.run("run", "--roles", "acumulate");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("unknown role 'acumulate'; roles are accumulate, submit, poll");
    }

    @Test
    void shouldRunEveryBuiltRoleByDefaultInPipelineOrder() {
        RunCommand run = new RunCommand();
        assertThat(run.selected()).containsExactly("accumulate", "submit", "poll");
        run.roles = java.util.List.of("poll", "accumulate");
        assertThat(run.selected()).containsExactly("accumulate", "poll");
    }

    /** A role that records what happens to it. */
    private static final class FakeRole implements io.genaibatch.run.Role {
        final String name;
        final java.util.List<String> log;
        final java.util.concurrent.CompletableFuture<Void> stopped = new java.util.concurrent.CompletableFuture<>();
        final Throwable failToStart;

        FakeRole(String name, java.util.List<String> log, boolean failToStart) {
            this(name, log, failToStart ? new IllegalStateException(name + " cannot start") : null);
        }

        FakeRole(String name, java.util.List<String> log, Throwable failToStart) {
            this.name = name;
            this.log = log;
            this.failToStart = failToStart;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void start() {
            log.add("start " + name);
            if (failToStart instanceof Error e) {
                throw e;
            }
            if (failToStart != null) {
                throw (RuntimeException) failToStart;
            }
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> stopped() {
            return stopped;
        }

        @Override
        public void close() {
            log.add("close " + name);
            stopped.complete(null);
        }
    }

    private static final java.io.PrintWriter SINK = new java.io.PrintWriter(java.io.Writer.nullWriter());

    @Test
    void shouldStartInOrderAndCloseInReverseOrderWhenSignalled() {
        java.util.List<String> log = new java.util.ArrayList<>();
        java.util.concurrent.CompletableFuture<Void> stop =
                java.util.concurrent.CompletableFuture.completedFuture(null);

        int code = RunCommand.run(
                java.util.List.of(new FakeRole("a", log, false), new FakeRole("b", log, false)), stop, SINK, SINK);

        assertThat(code).isZero();
        assertThat(log).containsExactly("start a", "start b", "close b", "close a");
    }

    @Test
    void shouldStopTheOthersAndExitOneWhenARoleFailsOnItsOwn() {
        java.util.List<String> log = new java.util.ArrayList<>();
        FakeRole a = new FakeRole("a", log, false);
        FakeRole b = new FakeRole("b", log, false);
        b.stopped.completeExceptionally(new IllegalStateException("b died"));
        java.io.StringWriter err = new java.io.StringWriter();

        int code = RunCommand.run(
                java.util.List.of(a, b),
                new java.util.concurrent.CompletableFuture<>(),
                SINK,
                new java.io.PrintWriter(err, true));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("b died");
        assertThat(log).containsExactly("start a", "start b", "close b", "close a");
    }

    @Test
    void shouldCloseTheStartedRolesWhenOneCannotStart() {
        java.util.List<String> log = new java.util.ArrayList<>();

        int code = RunCommand.run(
                java.util.List.of(
                        new FakeRole("a", log, false), new FakeRole("b", log, true), new FakeRole("c", log, false)),
                new java.util.concurrent.CompletableFuture<>(),
                SINK,
                SINK);

        assertThat(code).isEqualTo(1);
        assertThat(log).containsExactly("start a", "start b", "close b", "close a");
    }

    @Test
    void shouldSayWhichRoleCouldNotStartWhateverItThrew() {
        java.util.List<String> log = new java.util.ArrayList<>();
        java.io.StringWriter err = new java.io.StringWriter();

        int code = RunCommand.run(
                java.util.List.of(
                        new FakeRole("a", log, false),
                        new FakeRole(
                                "b",
                                log,
                                new org.apache.kafka.common.KafkaException("Failed to construct kafka consumer"))),
                new java.util.concurrent.CompletableFuture<>(),
                SINK,
                new java.io.PrintWriter(err, true));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("Failed to construct kafka consumer");
        assertThat(log).containsExactly("start a", "start b", "close b", "close a");
    }

    @Test
    void shouldSayWhichRoleCouldNotStartWhenAClassOfItsCannotBeLoaded() {
        java.util.List<String> log = new java.util.ArrayList<>();
        java.io.StringWriter err = new java.io.StringWriter();

        int code = RunCommand.run(
                java.util.List.of(
                        new FakeRole("a", log, false),
                        new FakeRole("b", log, new NoClassDefFoundError("org/rocksdb/RocksDB"))),
                new java.util.concurrent.CompletableFuture<>(),
                SINK,
                new java.io.PrintWriter(err, true));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("org/rocksdb/RocksDB");
        assertThat(log).containsExactly("start a", "start b", "close b", "close a");
    }
}
