package io.genaibatch.cli;

/** Lets tests of other packages run the real command line (CliRunner is package-private). */
public final class CliAccess {
    private CliAccess() {}

    public record Result(int exitCode, String out, String err) {}

    public static Result run(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        return new Result(r.exitCode(), r.out(), r.err());
    }
}
