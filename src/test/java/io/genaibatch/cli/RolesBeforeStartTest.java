package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three roles as `run` builds them, closed before they start: no broker is needed, nor reached. */
class RolesBeforeStartTest {
    @TempDir
    Path dir;

    private RoleContext context;
    private List<Role> roles;

    @BeforeEach
    void build() {
        GenAiBatchConfig config = GenAiBatchConfig.of(Map.of(
                "kafka.bootstrap-servers",
                "127.0.0.1:1",
                "gemini.base-url",
                "http://127.0.0.1:1",
                "accumulate.state-dir",
                dir.resolve("streams").toString(),
                "submit.spool-dir",
                dir.resolve("spool").toString(),
                "poll.cache-dir",
                dir.resolve("poll").toString()));
        context = new RoleContext(config, Map.of("GEMINI_API_KEY", "test-key"));
        roles = RunCommand.build(List.copyOf(Roles.BUILT.keySet()), context);
    }

    @AfterEach
    void close() {
        roles.forEach(Role::close);
        context.close();
    }

    @Test
    void everyRoleClosedBeforeStartHasStoppedAtOnce() {
        for (Role role : roles) {
            role.close();

            CompletableFuture<Void> stopped = role.stopped().toCompletableFuture();
            assertThat(stopped).as(role.name()).isCompleted();
            assertThat(stopped).as(role.name()).isNotCompletedExceptionally();
        }
    }

    @Test
    void everyRoleRefusesToStartOnceClosed() {
        for (Role role : roles) {
            role.close();

            assertThatThrownBy(role::start)
                    .as(role.name())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("role " + role.name() + " is closed; a role starts once");
        }
    }

    @Test
    void everyRoleNotStartedSaysSoAndHasNotStopped() {
        for (Role role : roles) {
            assertThat(role.readiness().problems()).as(role.name()).containsExactly("not started");
            assertThat(role.stopped().toCompletableFuture()).as(role.name()).isNotDone();
        }
    }
}
