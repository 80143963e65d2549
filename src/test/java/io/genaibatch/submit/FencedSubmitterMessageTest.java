package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What an operator reads when the submitter's producer is fenced: the cause to look for, not Kafka's words. */
class FencedSubmitterMessageTest {

    @Test
    void aFencedProducerNamesTheSharedInstanceId() {
        Throwable explained = SubmitLoop.explained(
                new KafkaException(
                        "commit failed",
                        new ProducerFencedException("There is a newer producer with the same transactionalId")),
                "genai-batch-submit-same",
                "same");

        assertThat(explained)
                .hasMessageContaining("submit.instance-id 'same'")
                .hasMessageContaining("unique")
                .hasMessageNotContaining("transaction.timeout.ms");
    }

    /**
     * An old epoch, or (under Kafka's transactions v2) a commit in flight when another producer's initTransactions
     * took the id over, refused as INVALID_TXN_STATE, fatal for the client (KAFKA-20785; SubmitterIT's
     * shared-instance-id test met it once): either can also be a transaction that outlived transaction.timeout.ms.
     */
    @ParameterizedTest
    @MethodSource("refusalsOfAProducerNoLongerCurrent")
    void aProducerNoLongerCurrentNamesBothTheSharedInstanceIdAndATransactionThatTimedOut(KafkaException refusal) {
        Throwable explained = SubmitLoop.explained(refusal, "genai-batch-submit-same", "same");

        assertThat(explained)
                .hasMessageContaining("submit.instance-id 'same'")
                .hasMessageContaining("unique")
                .hasMessageContaining("transaction.timeout.ms");
    }

    static Stream<KafkaException> refusalsOfAProducerNoLongerCurrent() {
        return Stream.of(
                new InvalidProducerEpochException("Producer attempted to produce with an old epoch."),
                new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."));
    }

    @Test
    void anyOtherFailureIsLeftAsItIs() {
        KafkaException other = new KafkaException("broker down");

        assertThat(SubmitLoop.explained(other, "genai-batch-submit-x", "x")).isSameAs(other);
    }
}
