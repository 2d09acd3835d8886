export { HealthTracker } from './HealthTracker';
export type {
  HealthTrackerOptions,
  HealthTrackerSnapshot,
  HealthStatus,
  HealthEvent,
  LatencySummary,
} from './HealthTracker';
