import { Subscriber } from 'rxjs';

/**
 * A subscriber that is chained to its destination (so unsubscribing the destination unsubscribes
 * it, even before `subscribe()` has returned — which is what stops a synchronous firehose under
 * `take`), and routes each notification to a handler. Errors thrown by a handler go to the
 * destination's `error`, never out of `subscribe`.
 *
 * The same shape as RxJS's internal `OperatorSubscriber`, which is not public.
 */
export class OperatorSubscriber<T> extends Subscriber<T> {
  constructor(
    destination: Subscriber<unknown>,
    onNext?: (value: T) => void,
    onComplete?: () => void,
    onError?: (error: unknown) => void,
    private readonly onFinalize?: () => void,
  ) {
    super(destination);
    if (onNext) {
      this._next = function (value: T) {
        try {
          onNext(value);
        } catch (error) {
          destination.error(error);
        }
      };
    }
    if (onError) {
      this._error = function (this: OperatorSubscriber<T>, error: unknown) {
        try {
          onError(error);
        } catch (thrown) {
          destination.error(thrown);
        } finally {
          this.unsubscribe();
        }
      };
    }
    if (onComplete) {
      this._complete = function (this: OperatorSubscriber<T>) {
        try {
          onComplete();
        } catch (thrown) {
          destination.error(thrown);
        } finally {
          this.unsubscribe();
        }
      };
    }
  }

  override unsubscribe(): void {
    if (!this.closed) {
      super.unsubscribe();
      this.onFinalize?.();
    }
  }
}
