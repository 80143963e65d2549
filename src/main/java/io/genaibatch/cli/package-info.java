/**
 * The genai-batch command line: wiring of every other package into commands.
 *
 * <p>It may import every other package; no other package may import it.
 */
package io.genaibatch.cli;
