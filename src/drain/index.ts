export { Drainer } from './Drainer';
export type { DrainerOptions, DrainerSnapshot, DrainerEvent, DrainResult, DrainerCall } from './Drainer';
