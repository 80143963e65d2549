/**
 * What a process shows its operators: the HTTP endpoint (health, metrics, status page), cost estimates from
 * prices.
 *
 * <p>Must never import: a role, the emulator, bench or cli.
 */
package io.genaibatch.ops;
