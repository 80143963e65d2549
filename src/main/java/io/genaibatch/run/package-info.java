/**
 * The lifecycle every role shares (Role) and what roles are built from (RoleContext: configuration, environment,
 * one Gemini client).
 *
 * <p>Must never import: a role, the emulator, bench or cli.
 */
package io.genaibatch.run;
