package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.records.RequestKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** proto3 JSON field names: a request's optional fields are checked alike in lowerCamelCase and snake_case. */
class RequestJsonFieldNamesTest {
    private static final String CONTENTS = "\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]";
    private static final String CONTENT = "\"content\":{\"parts\":[{\"text\":\"a\"}]}";

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "GENERATE|generationConfig|{\"temperature\":0.5}|",
                "GENERATE|generation_config|{\"temperature\":0.5}|",
                "GENERATE|generation_config|\"hot\"|field 'request.generation_config' must be an object, found a string",
                "GENERATE|generationConfig|\"hot\"|field 'request.generationConfig' must be an object, found a string",
                "GENERATE|system_instruction|[]|field 'request.system_instruction' must be an object, found an array",
                "GENERATE|safety_settings|{}|field 'request.safety_settings' must be an array, found an object",
                "GENERATE|tool_config|{}|",
                "GENERATE|cached_content|1|field 'request.cached_content' must be a string, found a number",
                "EMBED|output_dimensionality|8|",
                // proto3 JSON: an integer may come as a string, or in any notation of a whole number.
                "EMBED|output_dimensionality|\"8\"|",
                "EMBED|outputDimensionality|\"8\"|",
                "EMBED|outputDimensionality|8.0|",
                "EMBED|outputDimensionality|\"8e0\"|",
                "EMBED|outputDimensionality|8.5|field 'request.outputDimensionality' must be an integer, found a number 8.5",
                "EMBED|output_dimensionality|\"eight\"|field 'request.output_dimensionality' must be an integer, found a string 'eight'",
                "EMBED|task_type|3|field 'request.task_type' must be a string, found a number",
                "EMBED|some_future_field|3|"
            })
    void shouldCheckBothSpellingsAlike(RequestKind kind, String field, String value, String problem) {
        String json = "{" + (kind == RequestKind.EMBED ? CONTENT : CONTENTS) + ",\"" + field + "\":" + value + "}";
        RequestJson.Checked checked = RequestJson.check(kind, json);
        if (problem == null) {
            assertThat(checked.problem()).isNull();
            assertThat(checked.oneLine()).isEqualTo(json);
        } else {
            assertThat(checked.problem()).isNotNull();
            assertThat(checked.problem().message()).isEqualTo(problem);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "output_dimensionality,outputDimensionality",
        "generation_config,generationConfig",
        "tools,tools",
        "_x,x",
        "a__b,aB"
    })
    void shouldNameTheCamelCaseField(String snake, String camel) {
        assertThat(RequestJson.camelCase(snake)).isEqualTo(camel);
    }
}
