/**
 * Runs store writes one after another, in call order. The registries change memory first and
 * then write through; with the writes in order, the store ends with the last state even on an
 * adapter (a connection pool) whose writes could otherwise overtake each other. A failed write
 * rejects its own caller and does not stop the next one.
 */
export class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve()

  async run<T> (op: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(op)
    this.#tail = result.catch(() => undefined)
    return await result
  }
}
