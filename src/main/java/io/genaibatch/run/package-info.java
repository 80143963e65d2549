/**
 * The lifecycle every role shares (Role, with its Readiness, kept by one RoleLifecycle per role) and what roles are built from (RoleContext:
 * configuration, environment, one Gemini client, the process's Telemetry: its meter registry and the bridge of the
 * Kafka clients' metrics).
 *
 * <p>Must never import: a role, the emulator, bench or cli.
 */
package io.genaibatch.run;
