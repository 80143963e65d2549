package io.genaibatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.records.Error;
import org.junit.jupiter.api.Test;

class JobsViewTest {

    @Test
    void aPublishedJobShowsTheStateItsKeptErrorNames() {
        assertThat(JobsView.outcomeOf(null)).isEqualTo("SUCCEEDED");
        assertThat(JobsView.outcomeOf(new Error("JOB_EXPIRED", "m", null))).isEqualTo("EXPIRED");
        assertThat(JobsView.outcomeOf(new Error("JOB_CANCELLED", "m", null))).isEqualTo("CANCELLED");
        assertThat(JobsView.outcomeOf(new Error("JOB_STUCK", "m", null))).isEqualTo("FAILED");
        assertThat(JobsView.outcomeOf(new Error("RESOURCE_EXHAUSTED", "m", 429)))
                .isEqualTo("FAILED");
    }
}
