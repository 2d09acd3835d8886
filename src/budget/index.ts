export { RetryBudget } from './RetryBudget';
export type {
  RetryBudgetOptions,
  RetryBudgetSnapshot,
  RetryBudgetEvent,
  RetryBudgetDecisionEvent,
} from './RetryBudget';
