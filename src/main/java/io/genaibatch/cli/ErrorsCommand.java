package io.genaibatch.cli;

import io.genaibatch.batch.ErrorCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "errors",
        mixinStandardHelpOptions = true,
        description = "Print every error code the service gives (Error.code of a response or job, genai.error.code of a"
                + " DLQ record): its response status, whether the same request again may succeed, what it means."
                + " Markdown: the table of docs/SCHEMAS.md.")
final class ErrorsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().getOut().print(ErrorCode.markdownTable());
    }
}
