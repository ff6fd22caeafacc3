/** What a part of the composition must undo at shutdown, in reverse order of starting. */
export type Closers = (() => Promise<void> | void)[];
