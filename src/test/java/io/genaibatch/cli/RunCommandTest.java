package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RunCommandTest {

    @Test
    void shouldRefuseARoleNotInThisBuildNamingTheAvailableOnes() {
        CliRunner.Result result = CliRunner.run("run", "--roles", "accumulate,submit");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("role 'submit' is not in this build yet; available: accumulate");
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
        assertThat(run.selected()).containsExactly("accumulate");
        run.roles = java.util.List.of("accumulate");
        assertThat(run.selected()).containsExactly("accumulate");
    }
}
