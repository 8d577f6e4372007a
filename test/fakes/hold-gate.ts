// "Hold every request from now on until released", shared by both fakes: the service is busy as a fact of the test
// rather than a guess at how long a latency lasts.
export class HoldGate {
  /** What requests arriving now must wait for, or null when nothing is held. */
  current: Promise<void> | null = null;

  /** Holds from now on; the returned function lets the held requests go on, in order. */
  hold(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.current = held;
    return () => {
      if (this.current === held) this.current = null;
      release();
    };
  }
}
