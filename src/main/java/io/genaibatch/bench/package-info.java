/**
 * Benchmarks that print ratios measured in one run, against the limits of the work each part must do.
 *
 * <p>Must never import: cli.
 */
package io.genaibatch.bench;
