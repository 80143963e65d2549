/**
 * Every configuration key, declared once with its default, type, check and documentation; loading and cross-key
 * rules.
 *
 * <p>Must never import: a role, kafka, the Gemini client, the emulator, bench or cli.
 */
package io.genaibatch.config;
