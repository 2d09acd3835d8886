/**
 * `rxjs-resilience/testing`: tools for testing code that uses rxjs-resilience.
 * @packageDocumentation
 */
export { injectFaults, type InjectFaultsOptions } from './injectFaults';
